#!/usr/bin/env bash
# Builds the IPA dictionary that sacreBLEU's `ja-mecab` uses (the PyPI `ipadic` 1.0.0 package)
# byte for byte from Debian's mecab-ipadic sources, for the `ja-mecab` tokenizer
# (eval/scorer/tokenizer_mecab.cpp).
#
#   build_ipadic.sh OUT_DIR [SRC_DIR]     SRC_DIR: default /usr/share/mecab/dic/ipadic (mecab-ipadic)
#
# Debian's compiled mecab-ipadic-utf8 is not that dictionary: Debian adds the era name 令和 (so
# 392,127 entries; sacreBLEU asserts 392,126, and 令和 becomes one token instead of 令 / 和), and
# mecab-dict-index orders homographs by the order it reads the CSV files (readdir order), which
# changes which of two equal-cost analyses MeCab picks. Here: 令和 removed, the CSV files
# concatenated in the PyPI build's order (read from its feature table), the SYMBOL unknown-word
# feature as upstream (記号,一般: cosmetic, same costs), UTF-8 output named "utf8". The result is
# checked against the PyPI files' SHA-256; any difference fails the build.
set -euo pipefail
out=$1
src=${2:-/usr/share/mecab/dic/ipadic}
index=${MECAB_DICT_INDEX:-/usr/lib/mecab/mecab-dict-index}
for need in "$src/Noun.proper.csv" "$src/unk.def" "$index"; do
  [ -e "$need" ] || { echo "build_ipadic: $need is missing (Debian packages mecab-ipadic and mecab-utils)" >&2; exit 1; }
done
order="Adj Noun.adjv Noun Noun.demonst Noun.org Suffix Noun.adverbal Verb Interjection Noun.others Noun.nai
       Conjunction Postp Noun.name Postp-col Adverb Filler Noun.place Others Adnominal Noun.proper Noun.verbal
       Prefix Noun.number Symbol Auxil"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src" "$tmp/out"
cp "$src"/*.def "$src/dicrc" "$tmp/src/"
reiwa=$(printf '令和,' | iconv -f UTF-8 -t EUC-JP)  # the sources are EUC-JP
for f in $order; do LC_ALL=C grep -av "^$reiwa" "$src/$f.csv"; done > "$tmp/src/ipadic.csv"
from=$(printf 'SYMBOL,1283,1283,17585,名詞,サ変接続' | iconv -f UTF-8 -t EUC-JP)
to=$(printf 'SYMBOL,1283,1283,17585,記号,一般' | iconv -f UTF-8 -t EUC-JP)
LC_ALL=C sed -i "s/^$from/$to/" "$tmp/src/unk.def"
"$index" -d "$tmp/src" -o "$tmp/out" -f EUC-JP -t utf8 > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
cp "$src/dicrc" "$tmp/out/"
(cd "$tmp/out" && sha256sum -c --quiet) <<'EOF' || { echo "build_ipadic: the result differs from sacreBLEU's ipadic 1.0.0" >&2; exit 1; }
223af63996d5d9a104d8c8baaf32029fbbf6a370d7dff33fe19fda2e92ac0ac1  sys.dic
f0bf15e3e28259f4470b9c1e775d98bef53207d4b09afcd6d8545209b7b53f88  unk.dic
ee44d7350cdcb680ebd699f83e121be1dc63310f8832d55bcb537a068177611a  matrix.bin
81bba502ae48fa005a374819f15e44452eb68086a8b323ec20a044d514400832  char.bin
EOF
mkdir -p "$out"
cp "$tmp/out/sys.dic" "$tmp/out/unk.dic" "$tmp/out/matrix.bin" "$tmp/out/char.bin" "$tmp/out/dicrc" "$out/"

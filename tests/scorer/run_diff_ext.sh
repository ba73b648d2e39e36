#!/usr/bin/env bash
# Differential check of the external tokenizers (ja-mecab, spm/flores101/flores200/spBLEU-1K)
# against sacreBLEU 2.6.0 with its optional packages, pinned, in a virtualenv under the build
# directory (its own, so that it can be made while run_diff.sh makes the other one).
# Usage: run_diff_ext.sh BUILD_DIR [LINES]
set -euo pipefail
build=$(cd "$1" && pwd)
lines=${2:-3000}
here=$(cd "$(dirname "$0")" && pwd)
venv=$build/sacrebleu-ext-venv
regex=$(sed -n 's/.*kRegexVersion = "\(.*\)".*/\1/p' "$here/../../eval/scorer/tokenizer_intl_tables.inc")
# The versions these tests were checked with; sacreBLEU itself asks for mecab-python3>=1.0.9,<2 and
# ipadic>=1.0,<2 and does not pin sentencepiece (0.1.x breaks unigram ties differently, see
# eval/scorer/tokenizer_spm.cpp).
pins="sacrebleu==2.6.0 regex==$regex mecab-python3==1.0.12 ipadic==1.0.0 sentencepiece==0.2.3"
check="import sacrebleu, regex, MeCab, ipadic, sentencepiece
assert sacrebleu.__version__ == '2.6.0' and regex.__version__ == '$regex' and sentencepiece.__version__ == '0.2.3'
from importlib.metadata import version
assert version('mecab-python3') == '1.0.12' and version('ipadic') == '1.0.0'"
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q $pins
fi
exec "$venv/bin/python" "$here/diff_ext.py" --cli "$build/tests/tokenize_ext_cli" --lines "$lines" --seed 1

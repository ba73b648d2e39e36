#!/usr/bin/env bash
# A run never reports a stale result: a finished cell counts as complete only while its result
# answers what the suite asks now (configuration, code, data); otherwise the run says what changed
# and trains it again, or with --keep-stale keeps it and the report marks it. A run directory
# belongs to one suite.
# Usage: run_stale.sh BUILD_DIR SOURCE_TESTS_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-stale.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export LONGTAIL_CACHE=$work/cache
lt=$build/longtail
fail() { echo "STALE FAILED: $*" >&2; exit 1; }

python3 "$tests/e2e/make_corpus.py" "$work/corpus"
suite() {  # suite NAME STEPS TAU
  cat > "$work/$1.json" <<JSON
{"name": "$1",
 "datasets": [{"source": "plain", "path": "$work/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
 "methods": [{"name": "temperature", "params": {"tau": $3}}], "seeds": [1], "model": {"config": "tiny"},
 "train": {"steps": $2, "batch_tokens": 400, "log_every": 10, "dev_every": 10, "checkpoint_every": 10, "threads": 1},
 "eval": {"splits": ["test"], "beam": 1, "max_pairs": 5}, "vocab": {"size": 120, "sample_sentences": 2000}}
JSON
}
cell=$work/run/synthetic/natural/temperature/seed1
field() { python3 -c "import json,sys; r=json.load(open('$cell/result.json')); print(eval(sys.argv[1]))" "$1"; }

# 1. A first run, and a re-run of the same suite that reuses it.
suite s 20 5
"$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/1.txt" 2>&1 || fail "first run: $(tail -5 "$work/1.txt")"
before=$(stat -c %Y "$cell/result.json")
"$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/2.txt" 2>&1 || fail "re-run: $(tail -5 "$work/2.txt")"
grep -q "1 already complete" "$work/2.txt" || fail "an unchanged suite should reuse the cell: $(tail -3 "$work/2.txt")"
[ "$before" = "$(stat -c %Y "$cell/result.json")" ] || fail "the complete cell was rewritten"

# 2. The budget changes: the dry run and the run say what changed, and the cell trains again.
suite s 30 5
"$lt" run "$work/s.json" --out "$work/run" --dry-run > "$work/3.txt" || fail "dry run"
grep -q 'stale: \$.train.steps: 20 → 30' "$work/3.txt" || fail "the dry run should name the change: $(cat "$work/3.txt")"
"$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/4.txt" 2>&1 || fail "run after the change: $(tail -5 "$work/4.txt")"
grep -q '\$.train.steps: 20 → 30.*running it again' "$work/4.txt" || fail "the run should name the change: $(tail -5 "$work/4.txt")"
[ "$(field 'r["steps"]')" = 30 ] || fail "the cell should have trained 30 steps, result says $(field 'r["steps"]')"

# 3. A hyper-parameter changes, kept with --keep-stale: the result stays and the report marks it.
suite s 30 1
"$lt" run "$work/s.json" --out "$work/run" --keep-stale > "$work/5.txt" 2>&1 || fail "--keep-stale: $(tail -5 "$work/5.txt")"
[ "$(field 'r["stale"]')" = "['\$.method.params.tau: 5 → 1']" ] || fail "result should be marked stale: $(field 'r.get("stale")')"
python3 - "$work/run/report.json" <<'PY' || fail "report should mark the stale cell"
import json, sys
c = json.load(open(sys.argv[1]))["cells"][0]
assert c["stale"] == ["$.method.params.tau: 5 → 1"], c
PY
grep -q "stale cells" "$work/5.txt" || fail "the table should list the stale cell: $(tail -8 "$work/5.txt")"
# Back to what the result answers: the mark goes away without training.
suite s 30 5
"$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/6.txt" 2>&1 || fail "re-run: $(tail -5 "$work/6.txt")"
[ "$(field '"stale" in r')" = False ] || fail "the stale mark should be gone"
grep -q "1 already complete" "$work/6.txt" || fail "the cell should be complete again"

# 4. Other code: the cell trains again, unless --allow-other-version.
python3 - "$cell/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["git_commit"] = "0123abc"; json.dump(r, open(sys.argv[1], "w"))
PY
"$lt" run "$work/s.json" --out "$work/run" --allow-other-version --quiet > "$work/7.txt" 2>&1 || fail "allow: $(tail -5 "$work/7.txt")"
grep -q "1 already complete" "$work/7.txt" || fail "--allow-other-version should accept the result"
"$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/8.txt" 2>&1 || fail "other code: $(tail -5 "$work/8.txt")"
grep -q 'commit: 0123abc → .*running it again' "$work/8.txt" || fail "a result of other code should be re-run: $(tail -5 "$work/8.txt")"

# 5. Another suite into the same run directory is an error naming both; nothing changes.
suite other 30 5
before=$(stat -c %Y "$cell/result.json")
if "$lt" run "$work/other.json" --out "$work/run" > "$work/9.txt" 2>&1; then fail "another suite was let into the run directory"; fi
grep -q 'belongs to suite "s".*not to suite "other"' "$work/9.txt" || fail "the error should name both suites: $(cat "$work/9.txt")"
[ "$before" = "$(stat -c %Y "$cell/result.json")" ] || fail "the refused run touched a result"
if "$lt" run "$work/other.json" --out "$work/run" --dry-run > "$work/10.txt" 2>&1; then fail "the dry run should refuse too"; fi
# 6. Leftovers of killed runs go on the next run (in the cache only those of processes that are
#    gone); a moved cache still serves the complete cell.
: > "$cell/result.json.tmp.999999"; : > "$cell/ckpt/checkpoint.bin.tmp"
mkdir -p "$LONGTAIL_CACHE/vocab/0123.tmp.999999" && : > "$LONGTAIL_CACHE/vocab/0123.tmp.999999/half"
: > "$LONGTAIL_CACHE/vocab/live.tmp.$$"
"$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/11.txt" 2>&1 || fail "leftovers: $(tail -5 "$work/11.txt")"
[ ! -e "$cell/result.json.tmp.999999" ] && [ ! -e "$cell/ckpt/checkpoint.bin.tmp" ] || fail "run-directory leftovers stayed"
[ ! -e "$LONGTAIL_CACHE/vocab/0123.tmp.999999" ] || fail "a dead process's cache leftover stayed"
[ -e "$LONGTAIL_CACHE/vocab/live.tmp.$$" ] || fail "a live process's cache file was removed"
grep -q "removed 3 temporary files of interrupted runs" "$work/11.txt" || fail "the run should say what it removed: $(tail -3 "$work/11.txt")"
mv "$LONGTAIL_CACHE" "$work/moved-cache"
LONGTAIL_CACHE=$work/moved-cache "$lt" run "$work/s.json" --out "$work/run" --quiet > "$work/12.txt" 2>&1 \
  || fail "a moved cache: $(tail -5 "$work/12.txt")"
grep -q "1 already complete" "$work/12.txt" || fail "the moved cache should serve the complete cell: $(tail -3 "$work/12.txt")"
# 7. A vocabulary size the corpus cannot fit is named as the suite's option, not SentencePiece's.
python3 - "$work/cjk" <<'PY'
import os, random, sys
rng = random.Random(1)
chars = [chr(0x4E00 + i) for i in range(300)]
for split, n in (("train", 200), ("dev", 20), ("test", 20)):
    os.makedirs(f"{sys.argv[1]}/zh", exist_ok=True)
    with open(f"{sys.argv[1]}/zh/{split}.en", "w") as en, open(f"{sys.argv[1]}/zh/{split}.zh", "w") as zh:
        for _ in range(n):
            en.write("open the file\n")
            zh.write("".join(rng.choice(chars) for _ in range(8)) + "\n")
PY
cat > "$work/small.json" <<JSON
{"name": "small", "datasets": [{"source": "plain", "path": "$work/cjk", "corpus": {"min_pairs": 10}}],
 "methods": [{"name": "uniform"}], "model": {"config": "tiny"}, "train": {"steps": 5},
 "vocab": {"size": 64, "sample_sentences": 2000, "model_type": "bpe"}}
JSON
if "$lt" run "$work/small.json" --out "$work/small" --quiet > "$work/13.txt" 2>&1; then fail "a too small vocabulary was accepted"; fi
grep -q 'small.json: vocabulary training failed (exit code 1): \$.vocab.size: 64 pieces are too few for this corpus: .* need at least 315' "$work/13.txt" \
  || fail "the vocabulary-size error should name the suite option: $(tail -2 "$work/13.txt")"
# 8. A dry run checks the languages against a corpus that is already built, and says when it cannot.
sed 's/"label": "synthetic",/"label": "synthetic", "languages": ["fr", "xx"],/' "$work/s.json" > "$work/lang.json"
if LONGTAIL_CACHE=$work/moved-cache "$lt" run "$work/lang.json" --out "$work/run" --dry-run > "$work/14.txt" 2>&1; then
  fail "the dry run accepted a language the corpus lacks"; fi
grep -q 'datasets\[0\].languages\[1\]: language "xx" is not in corpus' "$work/14.txt" || fail "dry-run language error: $(cat "$work/14.txt")"
LONGTAIL_CACHE=$work/empty-cache "$lt" run "$work/s.json" --out "$work/run" --dry-run > "$work/15.txt" 2>&1 || fail "dry run without a corpus"
grep -q "dataset synthetic: corpus not built yet; its languages are checked when the run builds it" "$work/15.txt" \
  || fail "the dry run should say it could not check: $(cat "$work/15.txt")"
echo "stale results: OK"

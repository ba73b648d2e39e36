#!/usr/bin/env bash
# No cell is ever trained by two processes: a second driver on a run directory fails at once naming
# the first; a second longtail-cell on a cell directory stops without touching it; a cell dies with
# its driver (kill -9 included), so a re-run never meets an orphan; the re-run then finishes the
# grid with every cell's steps logged once, in order.
# Usage: run_locks.sh BUILD_DIR SOURCE_TESTS_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-locks.XXXXXX)
cleanup() { pkill -9 -f "longtail-cell $work" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
export LONGTAIL_CACHE=$work/cache
lt=$build/longtail
fail() { echo "LOCKS FAILED: $*" >&2; exit 1; }

python3 "$tests/e2e/make_corpus.py" "$work/corpus"
cat > "$work/locks.json" <<JSON
{"name": "locks",
 "datasets": [{"source": "plain", "path": "$work/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
 "methods": [{"name": "proportional"}, {"name": "uniform"}], "seeds": [1], "model": {"config": "tiny"},
 "train": {"steps": 3000, "batch_tokens": 400, "log_every": 10, "dev_every": 500, "checkpoint_every": 50, "threads": 1},
 "eval": {"splits": ["test"], "beam": 1, "max_pairs": 5}, "vocab": {"size": 120, "sample_sentences": 2000}}
JSON
cell=$work/run/synthetic/natural/proportional/seed1
"$lt" run "$work/locks.json" --out "$work/run" --quiet > "$work/first.txt" 2>&1 &
driver=$!
for _ in $(seq 1 600); do [ -f "$cell/ckpt/checkpoint.bin" ] && break; sleep 0.1; done
[ -f "$cell/ckpt/checkpoint.bin" ] || fail "the first cell never checkpointed: $(tail -5 "$work/first.txt")"

# 1. A second driver fails at once, naming the first.
start=$(date +%s)
if "$lt" run "$work/locks.json" --out "$work/run" --quiet > "$work/second.txt" 2>&1; then fail "a second driver ran"; fi
[ $(( $(date +%s) - start )) -le 5 ] || fail "the second driver should fail at once"
grep -q "in use by pid $driver (longtail run" "$work/second.txt" || fail "the error should name the first driver: $(cat "$work/second.txt")"

# 2. A second longtail-cell on the running cell stops with 75 and leaves it alone.
before=$(stat -c %s "$cell/metrics.jsonl")
set +e
"$build/longtail-cell" "$cell" --resume > "$work/cell2.txt" 2>&1
code=$?
set -e
[ $code = 75 ] || fail "a second longtail-cell should exit 75, got $code: $(cat "$work/cell2.txt")"
grep -q "in use by pid" "$work/cell2.txt" || fail "the second cell should name the holder: $(cat "$work/cell2.txt")"
[ ! -f "$cell/cell.json" ] || fail "the refused cell wrote cell.json"

# 3. kill -9 the driver: its cell dies with it.
kill -9 "$driver"
wait "$driver" 2>/dev/null || true
for _ in $(seq 1 50); do pgrep -f "longtail-cell $cell" > /dev/null || break; sleep 0.1; done
if pgrep -f "longtail-cell $cell" > /dev/null; then fail "the cell kept training after its driver was killed"; fi

# 4. The re-run finishes; every cell's train lines count up once (no second trainer interleaved).
"$lt" run "$work/locks.json" --out "$work/run" --quiet > "$work/rerun.txt" 2>&1 || fail "re-run: $(tail -5 "$work/rerun.txt")"
grep -qi "resum" "$cell/log.txt" || fail "the killed cell should have resumed"
python3 - "$work/run" <<'PY' || fail "metrics.jsonl shows two trainers"
import glob, json, sys
for path in glob.glob(sys.argv[1] + "/*/*/*/*/metrics.jsonl"):
    steps = [json.loads(l)["step"] for l in open(path) if '"kind":"train"' in l]
    assert steps == sorted(set(steps)) and steps[-1] == 3000, (path, steps[:10])
PY
echo "locks: OK"

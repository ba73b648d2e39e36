#!/usr/bin/env bash
# End-to-end: the driver runs a 2-cell grid through longtail-text and longtail-cell on a small
# synthetic corpus and we check what a user relies on:
#   - report.json has both cells with per-language BLEU/chrF/dev loss/train pairs and provenance;
#   - a cell killed mid-training fails alone (recorded with its reason) and the grid goes on;
#   - re-running resumes the killed cell from its checkpoint and skips the complete one;
#   - --dry-run and `longtail report` see the same cells; a bad language is a clear error.
# Usage: run_e2e.sh BUILD_DIR SOURCE_TESTS_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-e2e.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export LONGTAIL_CACHE=$work/cache
lt=$build/longtail

fail() { echo "E2E FAILED: $*" >&2; exit 1; }

python3 "$tests/e2e/make_corpus.py" "$work/corpus"
cat > "$work/e2e.json" <<JSON
{
  "name": "e2e",
  "datasets": [{"source": "plain", "path": "$work/corpus", "label": "synthetic",
                "corpus": {"min_pairs": 10}}],
  "imbalance": [{"profile": "natural"}],
  "methods": [{"name": "proportional"}, {"name": "temperature", "params": {"tau": 5}}],
  "seeds": [3],
  "model": {"config": "tiny"},
  "train": {"steps": 600, "batch_tokens": 800, "lr": 5e-3, "warmup": 40, "log_every": 10,
            "dev_every": 50, "checkpoint_every": 10, "threads": 1},
  "eval": {"splits": ["test"], "beam": 2, "max_pairs": 20},
  "vocab": {"size": 120, "sample_sentences": 2000}
}
JSON

# 1. Dry run: two pending cells.
"$lt" run "$work/e2e.json" --out "$work/run" --dry-run > "$work/dry.txt"
[ "$(grep -c pending "$work/dry.txt")" = 2 ] || fail "dry run should list 2 pending cells: $(cat "$work/dry.txt")"

# 2. Run, and kill the first cell's training once it has written a checkpoint.
first=$work/run/synthetic/natural/proportional/seed3
"$lt" run "$work/e2e.json" --out "$work/run" --quiet > "$work/run1.txt" 2>&1 &
driver=$!
for _ in $(seq 1 600); do
  [ -f "$first/ckpt/checkpoint.bin" ] && break
  sleep 0.1
done
[ -f "$first/ckpt/checkpoint.bin" ] || fail "no checkpoint appeared in $first"
pkill -9 -f "longtail-cell $first" || fail "could not find the running cell to kill"
set +e
wait $driver
code=$?
set -e
[ $code -ne 0 ] || fail "the driver should exit non-zero when a cell failed"
python3 - "$work/run/report.json" <<'PY' || fail "report after the kill: $(cat "$work/run1.txt" | tail -20)"
import json, sys
r = json.load(open(sys.argv[1]))
cells = {c["method"]: c for c in r["cells"]}
assert cells["proportional"]["status"] == "failed", cells["proportional"]
assert "signal 9" in cells["proportional"]["reason"], cells["proportional"]["reason"]
assert cells["temperature"]["status"] == "ok", cells["temperature"]
PY

# 3. Re-run: the killed cell resumes from its checkpoint, the complete one is skipped.
before=$(stat -c %Y "$work/run/synthetic/natural/temperature/seed3/result.json")
"$lt" run "$work/e2e.json" --out "$work/run" --quiet > "$work/run2.txt" 2>&1 || fail "re-run failed: $(tail -20 "$work/run2.txt")"
grep -q "1 already complete" "$work/run2.txt" || fail "re-run should skip the complete cell: $(tail -5 "$work/run2.txt")"
grep -qi "resum" "$first/log.txt" || fail "the killed cell should have resumed from its checkpoint"
after=$(stat -c %Y "$work/run/synthetic/natural/temperature/seed3/result.json")
[ "$before" = "$after" ] || fail "the complete cell was run again"

python3 - "$work/run/report.json" <<'PY' || fail "final report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "longtail-report-v2"
assert r["settings"]["baseline"] == "proportional", r["settings"]
assert len(r["comparisons"]) == 1 and r["comparisons"][0]["method"] == "temperature"
assert {e["method"] for e in r["summary"]} == {"proportional", "temperature"}
assert len(r["cells"]) == 2, len(r["cells"])
assert r["scorer"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"), r["scorer"]
assert len(r["corpus_fingerprints"]) == 1 and len(r["corpus_fingerprints"][0]) == 64
for c in r["cells"]:
    assert c["status"] == "ok", c
    assert c["dataset"] == "synthetic" and c["imbalance"] == "natural" and c["seed"] == 3
    assert set(c["languages"]) == {"fr", "de", "gl"}, c["languages"].keys()
    for lang, s in c["languages"].items():
        for key in ("bleu", "chrf", "dev_loss", "train_pairs"):
            assert key in s, (lang, key)
        assert 0 <= s["bleu"] <= 100 and 0 <= s["chrf"] <= 100
        assert isinstance(s["dev_loss"], float)
    assert c["languages"]["fr"]["train_pairs"] == 600
    # 600 steps on a learnable cipher: the largest language must be well above zero.
    assert c["languages"]["fr"]["chrf"] > 20, c["languages"]["fr"]
PY

# 4. The table and the standalone report agree with the run; the run keeps its report files.
"$lt" report "$work/run" > "$work/report.txt"
grep -q "^synthetic/natural" "$work/report.txt" && grep -q " proportional " "$work/report.txt" \
  || fail "report table lacks its block or a column: $(cat "$work/report.txt")"
grep -q "^fr " "$work/report.txt" || fail "report table lacks a language row"
grep -q "wins/ties/losses" "$work/report.txt" || fail "report table lacks wins/ties/losses"
for f in report.json leaderboard.md leaderboard.tex results.csv synthetic/refs/fr.test.txt; do
  [ -s "$work/run/$f" ] || fail "the run directory lacks $f"
done
# A baseline the run does not have: an error naming it, and the report already written stays as it was.
sum=$(sha256sum "$work/run/report.json")
if "$lt" report "$work/run" --baseline cooldown > "$work/badbase.txt" 2>&1; then fail "unknown baseline accepted"; fi
grep -q 'no method labelled "cooldown"' "$work/badbase.txt" || fail "unknown baseline error: $(cat "$work/badbase.txt")"
[ "$sum" = "$(sha256sum "$work/run/report.json")" ] || fail "a failed report changed report.json"
"$lt" run "$work/e2e.json" --out "$work/run" --dry-run | grep -c complete | grep -qx 2 || fail "dry run should see 2 complete cells"

# 4b. The results store beside the run directory, its export, and the regression check.
python3 - "$work/longtail.sqlite" <<'PY' || fail "the report should be in the results store"
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select count(*), count(distinct method) from results").fetchone()
assert rows == (6, 2), rows  # 2 cells x 3 languages, stored once although reported twice
PY
"$lt" store export --db "$work/longtail.sqlite" --out "$work/board.json" || fail "store export failed"
"$lt" check "$work/run" --against "$work/run/report.json" > "$work/check-self.txt" || fail "a run regresses against itself: $(cat "$work/check-self.txt")"
"$lt" check "$work/run" --against "$work/board.json" > "$work/check-board.txt" || fail "a run regresses against its own store export: $(cat "$work/check-board.txt")"
python3 - "$work/run/report.json" "$work/doctored.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for s in r["summary"]:
    if s["method"] == "temperature":
        s["groups"]["all"]["bleu_mean"] += 50  # the stored leaderboard was much better
json.dump(r, open(sys.argv[2], "w"))
PY
set +e
"$lt" check "$work/run" --against "$work/doctored.json" --json > "$work/check.json"
code=$?
set -e
[ $code -eq 1 ] || fail "check against a doctored leaderboard should exit 1, got $code"
python3 - "$work/check.json" <<'PY' || fail "check --json should name the regressed row"
import json, sys
c = json.load(open(sys.argv[1]))
bad = [r for r in c["rows"] if r["regressed"]]
assert len(bad) == 1 and bad[0]["method"] == "temperature", bad
PY

# 5. The same seed again gives identical scores (a fresh run directory, the cached vocabulary).
"$lt" run "$work/e2e.json" --out "$work/again" --only method=temperature --quiet > "$work/again.txt" 2>&1 \
  || fail "second run failed: $(tail -20 "$work/again.txt")"
python3 - "$work/run/synthetic/natural/temperature/seed3/result.json" \
          "$work/again/synthetic/natural/temperature/seed3/result.json" <<'PY' || fail "same seed, different scores"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["languages"] == b["languages"], (a["languages"], b["languages"])
PY

# 6. A language the data lacks is an error naming the dataset and where it looked, before anything runs.
sed 's/"label": "synthetic",/"label": "synthetic", "languages": ["fr", "xx"],/' "$work/e2e.json" > "$work/bad.json"
if "$lt" run "$work/bad.json" --out "$work/bad" > "$work/bad.txt" 2>&1; then fail "bad language accepted"; fi
grep -q 'datasets\[0\]' "$work/bad.txt" && grep -q 'xx/train' "$work/bad.txt" || fail "bad-language error should name the path: $(cat "$work/bad.txt")"
[ ! -d "$work/bad/synthetic" ] || fail "nothing should run for a bad suite"
echo "end-to-end: OK"

#!/usr/bin/env bash
# Slurm end to end, against a real one-node Slurm this test starts (start-slurm.sh; slurm-wlm and
# munge are installed when missing, which needs root or password-less sudo). We check that
#   - a small grid gives through Slurm the result.json scores, dev losses and hypotheses it gives
#     locally, bit for bit (CPU; the suite fixes train.threads);
#   - --no-wait returns once submitted (slurm.json); `longtail report` collects what has ended;
#     `longtail run` follows the rest without submitting them again;
#   - a task cancelled with scancel is recorded as a failed cell with Slurm's reason;
#   - the next run submits only the cell that is missing;
#   - continual stages become job dependencies; each stage records the model it started from,
#     so a local re-run finds the stages complete.
# Usage: run_slurm.sh BUILD_DIR SOURCE_TESTS_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-slurm.XXXXXX)
cleanup() {
  "$tests/slurm/stop-slurm.sh" "$work/slurm" || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
export LONGTAIL_CACHE=$work/cache
lt=$build/longtail
fail() { echo "SLURM FAILED: $*" >&2; exit 1; }

SLURM_CONF=$("$tests/slurm/start-slurm.sh" "$work/slurm") || fail "could not start Slurm"
export SLURM_CONF

python3 "$tests/e2e/make_corpus.py" "$work/corpus"
common='"datasets": [{"source": "plain", "path": "'$work'/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
 "model": {"config": "tiny"}, "eval": {"splits": ["test"], "beam": 1, "max_pairs": 5}, "vocab": {"size": 120, "sample_sentences": 2000}'
cat > "$work/grid.json" <<JSON
{"name": "slurm-grid", $common,
 "methods": [{"name": "proportional"}, {"name": "temperature", "params": {"tau": 5}}], "seeds": [1, 2],
 "train": {"steps": 30, "batch_tokens": 400, "lr": 5e-3, "warmup": 10, "log_every": 10, "dev_every": 10, "checkpoint_every": 10, "threads": 1}}
JSON
cat > "$work/continual.json" <<JSON
{"name": "slurm-continual", $common,
 "continual": {"base_fraction": 0.5, "update_train": {"lr": 1e-3, "warmup": 0},
               "stages": [{"languages": ["gl"], "steps": 10, "fraction": 0.5}, {"languages": ["de", "gl"], "steps": 10, "fraction": 0.5}]},
 "methods": [{"name": "full"}], "seeds": [1],
 "train": {"steps": 20, "batch_tokens": 400, "lr": 5e-3, "warmup": 10, "log_every": 10, "dev_every": 10, "checkpoint_every": 10, "threads": 1}}
JSON
same() {  # same LOCAL_RUN SLURM_RUN: every result.json equal in what the cells computed
  python3 - "$1" "$2" <<'PY'
import glob, json, os, sys
one, two = sys.argv[1:]
rels = sorted(os.path.relpath(p, one) for p in glob.glob(one + "/**/result.json", recursive=True))
assert rels and rels == sorted(os.path.relpath(p, two) for p in glob.glob(two + "/**/result.json", recursive=True)), rels
for rel in rels:
    a, b = (json.load(open(os.path.join(d, rel))) for d in (one, two))
    assert a["status"] == b["status"] == "ok", (rel, a.get("reason"), b.get("reason"))
    assert a["languages"] == b["languages"], (rel, a["languages"], b["languages"])
    if "stage" in a["config"]:  # the model each stage started from, by content
        assert a["config"]["stage"] == b["config"]["stage"], (rel, a["config"]["stage"], b["config"]["stage"])
    cell = os.path.dirname(rel)
    for hyp in sorted(os.listdir(os.path.join(one, cell, "hyps"))):
        assert open(os.path.join(one, cell, "hyps", hyp)).read() == open(os.path.join(two, cell, "hyps", hyp)).read(), (cell, hyp)
print(f"{len(rels)} cells equal")
PY
}
tasks_of() { squeue -h -r -j "$1" -o %i 2>/dev/null || true; }

# 1. The grid locally: the reference.
"$lt" run "$work/grid.json" --out "$work/local" --quiet --no-store > "$work/local.txt" 2>&1 || fail "local run: $(tail -20 "$work/local.txt")"

# 2. Through Slurm without waiting; cancel one task; report what ended, follow the rest.
run=$work/run
"$lt" run "$work/grid.json" --out "$run" --executor slurm --no-wait --max-parallel 1 > "$work/submit.txt" 2>&1 \
  || fail "submission: $(tail -20 "$work/submit.txt")"
grep -q "submitted 4 cells to Slurm" "$work/submit.txt" || fail "4 cells should be submitted: $(tail -5 "$work/submit.txt")"
job=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['arrays'][0]['job_id'])" "$run/slurm.json")
cancelled=$(sed -n 4p "$run"/slurm/submit-*-level0-0.cells)
scancel "${job}_3"
"$lt" report "$run" --no-store > "$work/report1.txt" 2>&1 || true  # fails when no cell has ended yet
grep -q "still queued or running in Slurm" "$work/report1.txt" || fail "the report should say what is still in Slurm: $(tail -5 "$work/report1.txt")"
"$lt" run "$work/grid.json" --out "$run" --executor slurm --poll 0.5 --quiet --no-store > "$work/follow.txt" 2>&1 \
  && fail "the run with a cancelled cell should fail: $(tail -5 "$work/follow.txt")"
grep -q "submitted" "$work/follow.txt" && fail "the follow-up run submitted cells again: $(grep submitted "$work/follow.txt")"
[ -z "$(tasks_of "$job")" ] || fail "tasks of job $job still queued"
[ ! -f "$run/slurm.json" ] || fail "slurm.json should be gone once everything is collected: $(cat "$run/slurm.json")"
python3 - "$cancelled/result.json" "$job" <<'PY' || fail "the cancelled cell's result"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "failed", r
assert f"Slurm task {sys.argv[2]}_3 ended CANCELLED" in r["reason"], r["reason"]
print("cancelled:", r["reason"])
PY
grep -q "3 run, 0 already complete, 1 failed\|4 run, 0 already complete, 1 failed" "$work/follow.txt" \
  || fail "summary of the follow-up: $(tail -3 "$work/follow.txt")"

# 3. Again: only the cancelled cell is submitted; then everything equals the local run.
"$lt" run "$work/grid.json" --out "$run" --executor slurm --poll 0.5 --quiet --no-store > "$work/again.txt" 2>&1 \
  || fail "the resubmission: $(tail -20 "$work/again.txt")"
grep -q "submitted 1 cells as Slurm job array" "$work/again.txt" || fail "only the missing cell should go: $(grep -i submitted "$work/again.txt")"
grep -q "1 run, 3 already complete, 0 failed" "$work/again.txt" || fail "summary: $(tail -3 "$work/again.txt")"
same "$work/local" "$run" || fail "Slurm results differ from local ones"

# 4. Continual stages: one array per level, each after the one before; a local re-run keeps them.
"$lt" run "$work/continual.json" --out "$work/clocal" --quiet --no-store > "$work/clocal.txt" 2>&1 || fail "local continual: $(tail -20 "$work/clocal.txt")"
"$lt" run "$work/continual.json" --out "$work/cslurm" --executor slurm --poll 0.5 --quiet --no-store > "$work/cslurm.txt" 2>&1 \
  || fail "continual through Slurm: $(tail -20 "$work/cslurm.txt")"
[ "$(grep -c "submitted 1 cells as Slurm job array .* (level [0-2]" "$work/cslurm.txt")" = 3 ] \
  || fail "three levels, one array each: $(grep submitted "$work/cslurm.txt")"
grep -q "(level 2, after [0-9]*)" "$work/cslurm.txt" || fail "level 2 should wait for level 1: $(grep submitted "$work/cslurm.txt")"
same "$work/clocal" "$work/cslurm" || fail "continual results through Slurm differ from local ones"
"$lt" run "$work/continual.json" --out "$work/cslurm" --quiet --no-store > "$work/crerun.txt" 2>&1 || fail "local re-run: $(tail -10 "$work/crerun.txt")"
grep -q "0 run, 3 already complete, 0 failed" "$work/crerun.txt" || fail "the stages should be complete: $(grep -i "stale\|complete" "$work/crerun.txt" | tail -5)"
echo "slurm: OK"

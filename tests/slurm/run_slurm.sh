#!/usr/bin/env bash
# Slurm end to end, against a real one-node Slurm this test starts (start-slurm.sh; slurm-wlm and
# munge are installed when missing, which needs root or password-less sudo). We check that
#   - a small grid gives through Slurm the result.json scores, dev losses and hypotheses it gives
#     locally, bit for bit (CPU; the suite fixes train.threads);
#   - --no-wait returns once submitted (slurm.json); `longtail report` collects what has ended;
#   - a task cancelled with scancel, running or still pending, is recorded as a failed cell with
#     Slurm's reason;
#   - the next run follows the tasks still in Slurm without submitting them again and submits only
#     the cells that are missing (the cancelled ones);
#   - continual stages become job dependencies; each stage records the model it started from,
#     so a local re-run finds the stages complete.
#   - a requeued task (scontrol requeue) resumes from its checkpoint and ends bit for bit where an
#     uninterrupted run ends.
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

"$tests/e2e/small_suites.sh" "$tests" "$work" slurm '[{"name": "full"}]'
common=$(cat "$work/suite-common.txt")
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

# 2. Through Slurm without waiting, one task at a time. Cancel the running task 0 (once its cell
#    has started) and the pending task 3; `longtail report` collects them (with Slurm's reason) and
#    says what is still in Slurm.
run=$work/run
"$lt" run "$work/grid.json" --out "$run" --executor slurm --no-wait --max-parallel 1 > "$work/submit.txt" 2>&1 \
  || fail "submission: $(tail -20 "$work/submit.txt")"
grep -q "submitted 4 cells to Slurm" "$work/submit.txt" || fail "4 cells should be submitted: $(tail -5 "$work/submit.txt")"
job=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['arrays'][0]['job_id'])" "$run/slurm.json")
running=$(sed -n 1p "$run"/slurm/submit-*-level0-0.cells)
pending=$(sed -n 4p "$run"/slurm/submit-*-level0-0.cells)
for _ in $(seq 1 300); do  # task.sh's first line in the cell's log: the cell is starting
  grep -q "slurm task ${job}_0 on" "$running/log.txt" 2>/dev/null && break
  sleep 0.1
done
scancel "${job}_0" "${job}_3"
for _ in $(seq 1 300); do
  tasks_of "$job" | grep -q "^${job}_[03]$" || break
  sleep 0.1
done
"$lt" report "$run" --no-store > "$work/report1.txt" 2>&1 || true  # fails when no cell has succeeded yet
if [ -n "$(tasks_of "$job")" ]; then
  grep -q "still queued or running in Slurm" "$work/report1.txt" || fail "the report should say what is still in Slurm: $(tail -5 "$work/report1.txt")"
fi
python3 - "$running/result.json" "$pending/result.json" "$job" <<'PY' || fail "the cancelled cells' results"
import json, sys
running, pending = (json.load(open(p)) for p in sys.argv[1:3])
job = sys.argv[3]
assert running["status"] == "failed" and f"Slurm task {job}_0 ended CANCELLED" in running["reason"], running.get("reason")
assert pending["status"] == "failed" and f"Slurm task {job}_3 left the queue before it started: cancelled" in pending["reason"], pending.get("reason")
print("cancelled:", running["reason"], "|", pending["reason"])
PY

# 3. The next run follows the tasks still in Slurm without submitting them again and submits only
#    the two cancelled cells; then everything equals the local run, and a further run has nothing to do.
"$lt" run "$work/grid.json" --out "$run" --executor slurm --poll 0.5 --quiet --no-store > "$work/follow.txt" 2>&1 \
  || fail "the follow-up run: $(tail -20 "$work/follow.txt")"
[ "$(grep -c "submitted [0-9]* cells as Slurm job array" "$work/follow.txt")" = 1 ] && grep -q "submitted 2 cells as Slurm job array" "$work/follow.txt" \
  || fail "only the two cancelled cells should be submitted again: $(grep -i submitted "$work/follow.txt")"
grep -q "[34] run, [01] already complete, 0 failed" "$work/follow.txt" || fail "summary of the follow-up: $(tail -3 "$work/follow.txt")"
[ -z "$(tasks_of "$job")" ] || fail "tasks of job $job still queued"
[ ! -f "$run/slurm.json" ] || fail "slurm.json should be gone once everything is collected: $(cat "$run/slurm.json")"
same "$work/local" "$run" || fail "Slurm results differ from local ones"
"$lt" run "$work/grid.json" --out "$run" --executor slurm --poll 0.5 --quiet --no-store > "$work/again.txt" 2>&1 \
  || fail "the run after: $(tail -20 "$work/again.txt")"
grep -q "submitted" "$work/again.txt" && fail "nothing is missing, yet cells were submitted: $(grep submitted "$work/again.txt")"
grep -q "0 run, 4 already complete, 0 failed" "$work/again.txt" || fail "summary: $(tail -3 "$work/again.txt")"

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

# 5. A requeued task resumes from its checkpoint: once the cell (300 steps) has written one,
#    `scontrol requeue` kills its task and queues it again (Slurm holds it a while; StartTime=now
#    releases it); the restarted task resumes, the driver follows it throughout, and the result
#    equals an uninterrupted local run's bit for bit.
cat > "$work/requeue.json" <<JSON
{"name": "slurm-requeue", $common,
 "methods": [{"name": "proportional"}], "seeds": [1],
 "train": {"steps": 300, "batch_tokens": 400, "lr": 5e-3, "warmup": 10, "log_every": 50, "dev_every": 100, "checkpoint_every": 20, "threads": 1}}
JSON
"$lt" run "$work/requeue.json" --out "$work/rlocal" --quiet --no-store > "$work/rlocal.txt" 2>&1 || fail "local requeue suite: $(tail -20 "$work/rlocal.txt")"
"$lt" run "$work/requeue.json" --out "$work/rslurm" --executor slurm --poll 0.5 --quiet --no-store > "$work/rslurm.txt" 2>&1 &
driver=$!
cell=$work/rslurm/synthetic/natural/proportional/seed1
for _ in $(seq 1 600); do
  [ -f "$cell/ckpt/checkpoint.bin" ] && break
  sleep 0.1
done
[ -f "$cell/ckpt/checkpoint.bin" ] || { kill "$driver"; fail "the cell wrote no checkpoint: $(tail -5 "$cell/log.txt")"; }
rjob=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['arrays'][0]['job_id'])" "$work/rslurm/slurm.json")
scontrol requeue "${rjob}_0" || { kill "$driver"; fail "scontrol requeue ${rjob}_0"; }
for _ in $(seq 1 100); do
  [ "$(squeue -h -r -j "$rjob" -o %T 2>/dev/null)" = PENDING ] && break
  sleep 0.1
done
# slurmd refuses a job credential issued in the second its earlier one was revoked ("Job credential
# revoked"): Slurm itself holds a requeued job back; released at once, it would fail.
sleep 2
scontrol update JobId="${rjob}_0" StartTime=now || { kill "$driver"; fail "scontrol update ${rjob}_0 StartTime=now"; }
wait "$driver" || fail "the run with a requeued task: $(tail -20 "$work/rslurm.txt")"
grep -q "slurm task ${rjob}_0 on .*, restart 1, resuming" "$cell/log.txt" || fail "the requeued task did not resume: $(grep "slurm task" "$cell/log.txt")"
same "$work/rlocal" "$work/rslurm" || fail "the requeued cell differs from the uninterrupted one"
echo "slurm: OK"

#!/usr/bin/env bash
# --jobs: cells at once on one machine. A small grid and a continual suite (stages that depend on
# each other) run with --jobs 1 and --jobs 2; we check that
#   - with --jobs 2 two cells did run at the same time (their echoed, prefixed log lines overlap),
#     and no stage started before the stage it continues had finished;
#   - every result.json has the same scores, dev losses and hypotheses as with --jobs 1 (bit for
#     bit on CPU: the suites fix train.threads);
#   - the summary line is the same.
# Usage: run_jobs.sh BUILD_DIR SOURCE_TESTS_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-jobs.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export LONGTAIL_CACHE=$work/cache
lt=$build/longtail
fail() { echo "JOBS FAILED: $*" >&2; exit 1; }

"$tests/e2e/small_suites.sh" "$tests" "$work" jobs '[{"name": "full"}, {"name": "freeze", "params": {"trainable": "top:1"}}]'

for suite in grid continual; do
  "$lt" run "$work/$suite.json" --out "$work/$suite-1" --quiet --no-store > "$work/$suite-1.txt" 2>&1 \
    || fail "$suite, --jobs 1: $(tail -20 "$work/$suite-1.txt")"
  "$lt" run "$work/$suite.json" --out "$work/$suite-2" --jobs 2 --no-store > "$work/$suite-2.txt" 2>&1 \
    || fail "$suite, --jobs 2: $(tail -20 "$work/$suite-2.txt")"
  python3 - "$work/$suite-1" "$work/$suite-2" "$work/$suite-1.txt" "$work/$suite-2.txt" <<'PY' || fail "$suite: --jobs 2 differs from --jobs 1"
import glob, json, os, re, sys
one, two, out1, out2 = sys.argv[1:]
results = sorted(os.path.relpath(p, one) for p in glob.glob(one + "/**/result.json", recursive=True))
assert results and results == sorted(os.path.relpath(p, two) for p in glob.glob(two + "/**/result.json", recursive=True)), results
for rel in results:
    a, b = (json.load(open(os.path.join(d, rel))) for d in (one, two))
    assert a["status"] == b["status"] == "ok", (rel, a.get("reason"), b.get("reason"))
    assert a["languages"] == b["languages"], (rel, a["languages"], b["languages"])  # BLEU, chrF, dev loss, pairs
    cell = os.path.dirname(rel)
    for hyp in sorted(os.listdir(os.path.join(one, cell, "hyps"))):
        assert open(os.path.join(one, cell, "hyps", hyp)).read() == open(os.path.join(two, cell, "hyps", hyp)).read(), (cell, hyp)
    ca, cb = (json.load(open(os.path.join(d, cell, "cell.json"))) for d in (one, two))
    assert ca["train_loss_final"] == cb["train_loss_final"], (cell, ca["train_loss_final"], cb["train_loss_final"])
summary = lambda path: re.findall(r"\d+ run, \d+ already complete, \d+ failed", open(path).read())
assert summary(out1) and summary(out1) == summary(out2), (summary(out1), summary(out2))

# When each cell's echoed lines ("[cell id] ...") came, in the order of the driver's output.
spans = {}
for n, line in enumerate(open(out2)):
    m = re.match(r"\[([^\]]+/seed\d+(?:/stage\d+)?)\] ", line)
    if m:
        first, last = spans.get(m.group(1), (n, n))
        spans[m.group(1)] = (min(first, n), max(last, n))
assert len(spans) == len(results), sorted(spans)
overlap = any(a[0] < b[1] and b[0] < a[1] for x, a in spans.items() for y, b in spans.items() if x < y)
assert overlap, f"no two cells ran at the same time: {spans}"
for cell, (first, _) in spans.items():  # a stage starts after the stage it continues has ended
    config = json.load(open(os.path.join(two, cell, "config.json")))
    before = config.get("stage", {}).get("init_from")
    if before:
        assert spans[before][1] < first, f"{cell} started (line {first}) before {before} ended (line {spans[before][1]})"
print(f"{len(results)} cells equal; spans {spans}")
PY
done
echo "jobs: OK"

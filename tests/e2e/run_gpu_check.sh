#!/usr/bin/env bash
# scripts/gpu-check.sh on a machine without a GPU: --prepare leaves the quickstart's corpus and
# vocabulary, the check runs every CPU part to the end (the `tiny` benchmark beside the PyTorch
# reference when a Python with PyTorch is there, a 20-step quickstart cell from the prepared data)
# and its summary says the GPU parts were skipped; a failing step is recorded and fails the check.
# Usage: run_gpu_check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-gpu-check.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "GPU CHECK FAILED: $*" >&2; exit 1; }
export GPU_CHECK_DIR=$work/prepared LONGTAIL_GPU_CHECK_CPU=1

"$src/scripts/gpu-check.sh" --prepare --build-dir "$build" > "$work/prepare.txt" 2>&1 || fail "--prepare: $(tail -20 "$work/prepare.txt")"
# The LibTorch tests are a ctest of their own: skipped here to keep this one short.
"$src/scripts/gpu-check.sh" --build-dir "$build" --out "$work/out" --skip test_torch > "$work/check.txt" 2>&1 \
  || fail "the check: $(tail -30 "$work/check.txt")"
python3 - "$work/out" <<'PY' || fail "summary: $(cat "$work/out/summary.md")"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
assert s["schema"] == "longtail-gpu-check-v1" and s["gpu"] is False, s
assert s["failures"] == [], s["failures"]
skipped = " ".join(s["skipped"])
assert "no GPU" in skipped and "bench_train_step (small, base on CUDA)" in skipped and "--skip test_torch" in skipped, skipped
rows = {r["preset"]: r for r in s["train_step"]}
assert rows["tiny"]["longtail_tokens_per_s"] > 0, rows
try:
    import torch  # noqa: F401 - the reference ran only where PyTorch is importable
    has_torch = True
except ImportError:
    has_torch = False
if has_torch or "eager_tokens_per_s" in rows["tiny"]:
    assert rows["tiny"]["eager_tokens_per_s"] > 0 and rows["tiny"]["ratio_to_eager"] > 0, rows
    assert "note" not in rows["tiny"], rows["tiny"]["note"]  # same parameters and batch as bench_train_step
c = s["quickstart_cell"]
assert c and c["status"] == "ok" and c["steps"] == 20 and sorted(c["test_bleu"]) == ["es", "fr", "gl", "kk"], c
md = open(sys.argv[1] + "/summary.md").read()
assert "no GPU: the GPU parts were skipped" in md and "quickstart_cell | ok" in md, md
PY
grep -q "no GPU" "$work/check.txt" || fail "the check does not say the GPU parts were skipped"

# A failing step: a build whose LibTorch tests exit 3.
mkdir -p "$work/broken/tests" "$work/broken/bench"
printf '#!/bin/sh\nexit 3\n' > "$work/broken/tests/test_torch"
printf '#!/bin/sh\nexit 0\n' > "$work/broken/longtail-cell"
chmod +x "$work/broken/tests/test_torch" "$work/broken/longtail-cell"
if "$src/scripts/gpu-check.sh" --build-dir "$work/broken" --out "$work/out2" > "$work/check2.txt" 2>&1; then
  fail "a failing step did not fail the check"
fi
python3 - "$work/out2" <<'PY' || fail "summary of the failing check: $(cat "$work/out2/summary.md")"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
assert any(f.startswith("test_torch: failed (exit 3") for f in s["failures"]), s["failures"]
PY
echo "gpu-check: CPU parts ran to the end, GPU parts reported skipped, a failing step recorded"

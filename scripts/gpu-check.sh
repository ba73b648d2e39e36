#!/usr/bin/env bash
# The one-shot GPU check (docs/gpu.md): on a GPU machine without network, in one command, build what
# it needs, run the LibTorch tests on CUDA, measure bench_train_step (small, base; bf16) beside a
# PyTorch-eager reference of the same model and batch (bench/reference/train_step.py, and
# torch.compile when available), train and score the quickstart's proportional cell on the GPU,
# and write one summary (summary.json + summary.md: device, versions, tokens/s, ratio to PyTorch
# eager, MFU, failures).
#
#   scripts/gpu-check.sh --prepare          on a machine with network, first: the quickstart's
#                                           corpus and vocabulary into .gpu-check/cache (~7 MB)
#   scripts/gpu-check.sh [--out DIR] [--build-dir DIR] [--skip STEP]...
#
# Without a GPU every step still runs where it can (the CPU build, the LibTorch tests, the `tiny`
# benchmark and reference on the CPU, a 20-step quickstart cell) and the summary says which GPU
# parts were skipped: that is how the script itself is tested (tests/scripts/run_gpu_check.sh).
# Build: an existing --build-dir (or $BUILD_DIR) is used as it is; else, when .deps/build-on-device
# is there (the offline dependency bundle, docs/gpu.md), it builds into build-gpu/; else CMake +
# Ninja into build/ with the installed packages. Each step has a time limit; a failed step is
# recorded and the next one runs.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=gpu-check-out
build_dir=${BUILD_DIR:-}
prepare=0
skip_steps=" "
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --prepare) prepare=1; shift ;;
    --skip) skip_steps+="$2 "; shift 2 ;;
    -h|--help) sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
# GPU_CHECK_DIR: where --prepare leaves the data (default .gpu-check/, kept out of git).
check_dir=${GPU_CHECK_DIR:-$root/.gpu-check}
cache="$check_dir/cache"
suite_short="$check_dir/quickstart-cell.json"
python=${LONGTAIL_PYTHON:-python3}

# The quickstart's proportional cell with its steps and test pairs set: the suite's 1,400 steps and
# 300 pairs on a GPU; on a CPU (a check of this script) 20 steps and 30 pairs.
write_suite() {
  "$python" - "$1" "$2" "$suite_short" <<'PY'
import json, sys
s = json.load(open("suites/quickstart.json"))
s["name"] = "gpu-check-quickstart"
s["methods"] = [m for m in s["methods"] if m["name"] == "proportional"]
steps = int(sys.argv[1])
s["eval"]["max_pairs"] = int(sys.argv[2])
s["train"]["steps"] = steps
s["train"]["dev_every"] = min(s["train"]["dev_every"], steps)
s["train"]["checkpoint_every"] = min(s["train"]["checkpoint_every"], steps)
json.dump(s, open(sys.argv[3], "w"), indent=1)
PY
}

if [ "$prepare" = 1 ]; then
  # Builds (or finds in the usual cache) the quickstart's corpus and vocabulary with a 1-step cell on
  # the CPU, then copies what the cell reads into .gpu-check/cache: the corpus of its languages, its
  # vocabulary with the shards, and the cache's index of built corpora.
  set -e
  b=${build_dir:-build}
  [ -x "$b/longtail" ] || scripts/setup.sh
  mkdir -p "$check_dir"
  write_suite 1 10
  rm -rf "$check_dir/prepare-run" "$cache"
  "$b/longtail" run "$suite_short" --out "$check_dir/prepare-run" --no-store --format md --quiet
  "$python" - "$check_dir/prepare-run" "$cache" <<'PY'
import glob, json, os, shutil, sys
run, cache = sys.argv[1], sys.argv[2]
config = json.load(open(glob.glob(os.path.join(run, "**", "config.json"), recursive=True)[0]))
data = config["data"]
corpus, vocab = data["corpus"], os.path.dirname(data["vocab"])
dst_corpus = os.path.join(cache, "corpora", os.path.basename(corpus))
os.makedirs(dst_corpus)
for f in glob.glob(os.path.join(os.path.dirname(corpus), "*.json")):
    shutil.copy(f, os.path.join(cache, "corpora"))
for name in os.listdir(corpus):
    src = os.path.join(corpus, name)
    if os.path.isfile(src):
        shutil.copy(src, dst_corpus)
    elif name in data["languages"]:
        shutil.copytree(src, os.path.join(dst_corpus, name))
shutil.copytree(vocab, os.path.join(cache, "vocab", os.path.basename(vocab)))
PY
  rm -rf "$check_dir/prepare-run"
  echo "gpu-check: prepared $(du -sh "$check_dir" | cut -f1) in $check_dir (carry it to the GPU machine with the working tree)"
  exit 0
fi

start=$(date +%s)
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
status="$out/steps.tsv"
: > "$status"

# step NAME LIMIT_S CMD... : runs CMD with a time limit, its output in logs/NAME.log; records
# ok / failed (exit code) / timed out with its seconds.
step() {
  local name=$1 limit=$2; shift 2
  case "$skip_steps" in *" $name "*) skip "$name" "--skip $name"; return 0 ;; esac
  local t0=$(date +%s) rc
  echo "gpu-check: $name ..."
  timeout --kill-after=10 "$limit" "$@" > "$out/logs/$name.log" 2>&1
  rc=$?
  local secs=$(( $(date +%s) - t0 ))
  local what=ok
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then what="timed out after ${limit} s"
  elif [ $rc -ne 0 ]; then what="failed (exit $rc; logs/$name.log)"; fi
  printf '%s\t%s\t%s\n' "$name" "$what" "$secs" >> "$status"
  echo "gpu-check: $name: $what ($secs s)"
  [ $rc -eq 0 ]
}
skip() { printf '%s\tskipped: %s\t0\n' "$1" "$2" >> "$status"; echo "gpu-check: $1: skipped ($2)"; }

gpu=0
if [ -z "${LONGTAIL_GPU_CHECK_CPU:-}" ] && command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  gpu=1
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1
fi

# 1. Build only what the check runs.
targets="longtail longtail-text longtail-cell test_torch bench_train_step"
if [ -n "$build_dir" ] && [ -x "$build_dir/longtail-cell" ]; then
  skip build "using the existing build in $build_dir"
elif [ -f .deps/build-on-device ]; then
  build_dir=${build_dir:-build-gpu}
  step build 480 env BUILD_DIR="$build_dir" TARGETS="$targets" bash .deps/build-on-device
  [ -f /tmp/deps-root/env.sh ] && . /tmp/deps-root/env.sh
else
  build_dir=${build_dir:-build}
  step build 900 bash -c "cmake -S . -B '$build_dir' -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build '$build_dir' -j $(nproc) --target $targets"
fi
b=$build_dir

# 2. The LibTorch tests (on CUDA where the build sees a GPU: the [cuda] cases run there too).
step test_torch 300 "$b/tests/test_torch"

# 3. bench_train_step and the PyTorch-eager reference of the same model and batch.
if [ $gpu = 1 ]; then
  step bench_train_step 240 "$b/bench/bench_train_step" '--benchmark_filter=train_step/(small|base)/cuda' \
    --benchmark_format=json "--benchmark_out=$out/bench_train_step.json"
  for preset in small base; do
    step "reference_eager_$preset" 180 "$python" bench/reference/train_step.py --preset $preset --device cuda \
      --batch-tokens 8192 --json "$out/reference_eager_$preset.json"
    step "reference_compile_$preset" 300 "$python" bench/reference/train_step.py --preset $preset --device cuda \
      --batch-tokens 8192 --compile --json "$out/reference_compile_$preset.json"
  done
else
  skip "bench_train_step (small, base on CUDA)" "no GPU"
  skip "PyTorch reference (small, base on CUDA)" "no GPU"
  step bench_train_step_cpu 240 "$b/bench/bench_train_step" '--benchmark_filter=train_step/tiny/cpu' \
    --benchmark_format=json "--benchmark_out=$out/bench_train_step.json"
  # Any Python with PyTorch: the configured one, else the system's (Debian's python3-torch).
  for p in "$python" /usr/bin/python3; do
    if "$p" -c 'import torch' 2>/dev/null; then
      step reference_eager_tiny 240 "$p" bench/reference/train_step.py --preset tiny --device cpu \
        --batch-tokens 2048 --steps 5 --compile --json "$out/reference_eager_tiny.json"
      break
    fi
  done
  [ -f "$out/reference_eager_tiny.json" ] || grep -q '^reference_eager_tiny' "$status" || skip reference_eager_tiny "no Python with PyTorch"
fi

# 4. A real cell: the quickstart's proportional cell (corpus and vocabulary from --prepare).
if [ ! -d "$cache/corpora" ]; then
  skip quickstart_cell "no prepared data in .gpu-check/cache (run scripts/gpu-check.sh --prepare where there is network)"
else
  if [ $gpu = 1 ]; then write_suite 1400 300; else write_suite 20 30; fi
  rm -rf "$out/run"
  step quickstart_cell 300 env LONGTAIL_CACHE="$cache" "$b/longtail" run "$suite_short" --out "$out/run" \
    --no-store --format md --quiet
fi

# 5. The summary.
"$python" scripts/gpu_check_summary.py "$out" "$b" "$gpu" "$(( $(date +%s) - start ))"

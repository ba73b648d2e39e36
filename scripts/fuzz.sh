#!/usr/bin/env bash
# Fuzzes the scorer: builds tests/fuzz/fuzz_scorer with the CMake preset `fuzz` (clang, libFuzzer,
# ASan + UBSan, into build-fuzz/) and runs it for SECONDS (default 60) on the seed corpus made
# from the golden data (build-fuzz/corpus/, which keeps what earlier runs found). Exits non-zero on
# a crash, a sanitizer report, a violated invariant or a slow input; the input is saved as
# build-fuzz/artifacts/crash-* (or timeout-*/oom-*) and can be replayed with
# `build-fuzz/tests/fuzz/fuzz_scorer FILE`. SECONDS = 0 only runs the corpus once.
#   scripts/fuzz.sh [SECONDS]       FUZZ_BUILD_JOBS=N: parallel compilations (default: nproc)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-60}

scripts/install-debian-deps.sh deps/debian-fuzz.txt

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${FUZZ_BUILD_JOBS:-$(nproc)}"
build=build-fuzz
python3 tests/fuzz/make_seeds.py "$build/corpus"
mkdir -p "$build/artifacts"
args=(-max_len=4096 -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/")
if [ "$seconds" -gt 0 ]; then args+=(-max_total_time="$seconds"); else args+=(-runs=0); fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
"$build/tests/fuzz/fuzz_scorer" "${args[@]}" "$build/corpus"
echo "fuzz: no failure in ${seconds} s"

#!/usr/bin/env bash
# Sets up everything and runs all tests (unit, end-to-end, and the differential scorer check
# against sacreBLEU 2.6.0 installed from PyPI into a virtualenv under the build directory), then
# fuzzes the scorer for LONGTAIL_FUZZ_SECONDS (default 60; scripts/fuzz.sh, clang build in build-fuzz/).
#   LONGTAIL_TORCH=pypi scripts/test.sh
#     builds the LibTorch side (longtail-cell, the LibTorch tests, bench_train_step) against the
#     PyTorch 2.x wheel (scripts/setup.sh) into build-torch2/ and runs the LibTorch tests on the CPU:
#     the build GPU machines use, checked before any GPU time is spent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${LONGTAIL_TORCH:-debian}" = pypi ]; then
  export BUILD_DIR=${BUILD_DIR:-build-torch2}
  TARGETS="longtail-cell tests/test_torch bench/bench_train_step" scripts/setup.sh
  # Its tests use their own cache, as below.
  export LONGTAIL_CACHE=${LONGTAIL_TEST_CACHE:-$root/$BUILD_DIR/test-cache}
  "$BUILD_DIR/tests/test_torch"
  exit 0
fi

scripts/setup.sh

# What the tests need besides the build: pdflatex (leaderboard.tex), headless Chromium (report.html),
# Debian's python3-torch (the PyTorch reference of the training step in the gpu_check test).
scripts/install-debian-deps.sh deps/debian-test.txt
BUILD_DIR=${BUILD_DIR:-build}
# Tests use their own cache so they never depend on (or disturb) the user's.
export LONGTAIL_CACHE=${LONGTAIL_TEST_CACHE:-$root/$BUILD_DIR/test-cache}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2
scripts/fuzz.sh "${LONGTAIL_FUZZ_SECONDS:-60}"

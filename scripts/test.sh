#!/usr/bin/env bash
# Sets up everything and runs all tests (unit, end-to-end, and the differential scorer check
# against sacreBLEU 2.6.0 installed from PyPI into a virtualenv under the build directory), then
# fuzzes the scorer for LONGTAIL_FUZZ_SECONDS (default 60; scripts/fuzz.sh, clang build in build-fuzz/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh

# What the tests need besides the build: pdflatex (leaderboard.tex), headless Chromium (report.html).
scripts/install-debian-deps.sh deps/debian-test.txt
BUILD_DIR=${BUILD_DIR:-build}
# Tests use their own cache so they never depend on (or disturb) the user's.
export LONGTAIL_CACHE=${LONGTAIL_TEST_CACHE:-$root/$BUILD_DIR/test-cache}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2
scripts/fuzz.sh "${LONGTAIL_FUZZ_SECONDS:-60}"

#!/usr/bin/env bash
# Installs longtail's Debian dependencies (when missing) and builds it with CMake + Ninja.
#   scripts/setup.sh            -> build/ (RelWithDebInfo)
#   BUILD_DIR=... BUILD_TYPE=... CMAKE_ARGS=... scripts/setup.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

scripts/install-debian-deps.sh deps/debian.txt

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${CMAKE_ARGS:-} >/dev/null
# Two parallel LibTorch compilations need ~3 GB; keep to the cores we have.
ninja -C "$BUILD_DIR" -j "$(nproc)"
echo "setup: built into $BUILD_DIR"

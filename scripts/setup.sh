#!/usr/bin/env bash
# Installs longtail's Debian dependencies (when missing) and builds it with CMake + Ninja.
#   scripts/setup.sh            -> build/ (RelWithDebInfo)
#   BUILD_DIR=... BUILD_TYPE=... CMAKE_ARGS=... scripts/setup.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

mapfile -t wanted < <(grep -v '^\s*#' deps/debian.txt | sed '/^\s*$/d')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${CMAKE_ARGS:-} >/dev/null
# Two parallel LibTorch compilations need ~3 GB; keep to the cores we have.
ninja -C "$BUILD_DIR" -j "$(nproc)"
echo "setup: built into $BUILD_DIR"

#!/usr/bin/env bash
# Installs longtail's Debian dependencies (when missing) and builds it with CMake + Ninja.
#   scripts/setup.sh            -> build/ (RelWithDebInfo), LibTorch: Debian's libtorch-dev (1.13)
#   LONGTAIL_TORCH=pypi scripts/setup.sh
#                               -> build-torch2/, LibTorch: the PyTorch 2.x wheel of deps/pypi-torch.txt,
#                                  installed into a virtualenv under $LONGTAIL_TORCH_CACHE
#                                  (~/.cache/longtail/torch-pypi; kept, so the download happens once)
#   BUILD_DIR=... BUILD_TYPE=... CMAKE_ARGS=... TARGETS="a b" scripts/setup.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
torch=${LONGTAIL_TORCH:-debian}
case "$torch" in
  debian) BUILD_DIR=${BUILD_DIR:-build} ;;
  pypi) BUILD_DIR=${BUILD_DIR:-build-torch2} ;;
  *) echo "setup: LONGTAIL_TORCH=$torch: expected debian or pypi" >&2; exit 2 ;;
esac
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

scripts/install-debian-deps.sh deps/debian.txt

cmake_args=(${CMAKE_ARGS:-})
if [ "$torch" = pypi ]; then
  torch_dir=$(scripts/install-pypi-torch.sh)
  cmake_args+=("-DLONGTAIL_TORCH_DIR=$torch_dir")
fi
# ccache (deps/debian.txt) keyed on paths relative to the checkout: a fresh clone reuses the objects.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "${launcher[@]}" "${cmake_args[@]}" >/dev/null
# Two parallel LibTorch compilations need ~3 GB; keep to the cores we have.
ninja -C "$BUILD_DIR" -j "$(nproc)" ${TARGETS:-}
echo "setup: built into $BUILD_DIR (LibTorch: $torch)"

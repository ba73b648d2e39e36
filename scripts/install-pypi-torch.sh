#!/usr/bin/env bash
# Installs the PyTorch 2.x wheel of deps/pypi-torch.txt (without its dependencies: no CUDA toolkit,
# cuDNN or Triton) into a virtualenv under $LONGTAIL_TORCH_CACHE (default ~/.cache/longtail/torch-pypi)
# and prints its package directory (site-packages/torch) for CMake's LONGTAIL_TORCH_DIR. A second
# call with the same pins does nothing: the download (~540 MB) happens once per machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pins="$root/deps/pypi-torch.txt"
cache=${LONGTAIL_TORCH_CACHE:-$HOME/.cache/longtail/torch-pypi}
venv="$cache/venv"
stamp="$venv/.longtail-pins"
if ! cmp -s "$pins" "$stamp" 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$pins" >&2
  cp "$pins" "$stamp"
fi
"$venv/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("torch").origin))'

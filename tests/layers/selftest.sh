#!/usr/bin/env bash
# check_includes.py must reject an upward include, a sideways one and a folder in no layer.
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/longtail-layers.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/docs" "$work/harness/data" "$work/harness/grid" "$work/reports" "$work/stray"
cp "$src/docs/architecture.md" "$work/docs/"
echo '#include "harness/common/options.h"' > "$work/harness/data/fine.cpp"
python3 "$src/tests/layers/check_includes.py" "$work" >/dev/null || { echo "a downward include was rejected"; exit 1; }
expect_reject() {
  local what=$1 needle=$2
  if out=$(python3 "$src/tests/layers/check_includes.py" "$work"); then echo "accepted $what"; exit 1; fi
  grep -q "$needle" <<<"$out" || { echo "the error for $what does not name it: $out"; exit 1; }
}
echo '#include "harness/grid/executor.h"' > "$work/harness/data/up.cpp"
expect_reject "an upward include" "harness/data/up.cpp:1: data (layer 2) includes harness/grid/executor.h"
rm "$work/harness/data/up.cpp"
echo '#include "reports/report.h"' > "$work/harness/grid/side.cpp"
expect_reject "a sideways include" "harness/grid/side.cpp:1: grid (layer 5) includes reports/report.h"
rm "$work/harness/grid/side.cpp"
echo '' > "$work/stray/x.cpp"
expect_reject "a folder in no layer" "stray/x.cpp: its folder is in no layer"
echo "layers selftest: OK"

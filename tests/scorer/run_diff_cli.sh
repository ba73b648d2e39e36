#!/usr/bin/env bash
# Differential check of `longtail score` against the sacrebleu 2.6.0 command line (pinned, from
# PyPI, in the virtualenv under the build directory that run_diff.sh also uses).
# Usage: run_diff_cli.sh BUILD_DIR [CASES] [WMT17_DIR]
set -euo pipefail
build=$(cd "$1" && pwd)
cases=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
wmt17=${LONGTAIL_WMT17_DIR:-${3:-$here/../../../shared/data/wmt17-en-de}}
venv=$build/sacrebleu-venv
"$here/sacrebleu_venv.sh" "$build"
exec "$venv/bin/python" "$here/diff_cli.py" --python "$venv/bin/python" --longtail "$build/longtail" \
  --cases "$cases" --seed 1 --wmt17 "$wmt17" --jobs 2

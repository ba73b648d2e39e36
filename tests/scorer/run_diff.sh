#!/usr/bin/env bash
# Differential check of the scorer against sacreBLEU 2.6.0 (pinned, from PyPI, in a virtualenv
# under the build directory; Python 3.11 semantics as docs/scorer.md explains).
# Usage: run_diff.sh BUILD_DIR [CASES]
# CASES generated corpora are each scored with BLEU, chrF and TER, plus CASES/4 TER-only corpora;
# sacreBLEU's side runs in one process per core (DIFF_JOBS overrides).
set -euo pipefail
build=$(cd "$1" && pwd)
cases=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
venv=$build/sacrebleu-venv
"$here/sacrebleu_venv.sh" "$build"
exec "$venv/bin/python" "$here/diff_sacrebleu.py" --cli "$build/tests/score_cli" --cases "$cases" --seed 1 \
  --soup 20000 --no-lower-all --no-tok-all --jobs "${DIFF_JOBS:-$(nproc)}"

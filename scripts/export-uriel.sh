#!/usr/bin/env bash
# Re-exports third_party/uriel/uriel-distances.json from the lang2vec package (PyPI), in a private
# virtual environment under ~/.cache/longtail (or $LONGTAIL_CACHE). Arguments go to
# scripts/export-uriel.py, e.g. `scripts/export-uriel.sh --languages fr,de,kk --output /tmp/u.json`.
# Builds and tests do not need this: the exported file is committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${LONGTAIL_CACHE:-$HOME/.cache/longtail}/uriel-venv"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
# The version the shipped file was exported with; change it deliberately, with a re-export.
"$venv/bin/pip" install --quiet "lang2vec==1.1.2"
exec "$venv/bin/python" "$here/export-uriel.py" "$@"

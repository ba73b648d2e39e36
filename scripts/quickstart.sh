#!/usr/bin/env bash
# Sets up everything and runs the main job: suites/quickstart.json on the built-in gettext corpus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
exec build/longtail run suites/quickstart.json "$@"

#!/usr/bin/env bash
# Makes (once) the virtualenv under the build directory with sacreBLEU 2.6.0, the `regex`
# release the intl tokenizer's tables come from (eval/scorer/tokenizer_intl_tables.inc) and
# jsonschema (the report tests validate against docs/report.schema.json), all pinned, from PyPI.
# Prints nothing; the differential tests call it and ctest runs it first as the
# `sacrebleu_venv` fixture, so two tests never build the same virtualenv at once.
# Usage: sacrebleu_venv.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
venv=$build/sacrebleu-venv
regex=$(sed -n 's/.*kRegexVersion = "\(.*\)".*/\1/p' "$here/../../eval/scorer/tokenizer_intl_tables.inc")
if ! "$venv/bin/python" -c "import sacrebleu, regex; import jsonschema; assert sacrebleu.__version__ == '2.6.0' and regex.__version__ == '$regex' and jsonschema.__version__ == '4.26.0'" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "sacrebleu==2.6.0" "regex==$regex" "jsonschema==4.26.0"
fi

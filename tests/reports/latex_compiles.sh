#!/usr/bin/env bash
# ctest leaderboard_latex: the LaTeX leaderboard must compile as it is. Renders, with render_report,
# the example report and a variant whose dataset, imbalance, method, language and signature labels
# hold every LaTeX special character (12 blocks, 24 tables, and the continual stages' table),
# wraps each in latex_document and runs pdflatex on it.
#   latex_compiles.sh RENDER_REPORT EXAMPLE_REPORT_JSON
set -euo pipefail
render=$1
example=$2

fail() { echo "FAIL: $*" >&2; exit 1; }
install_hint="run scripts/install-debian-deps.sh deps/debian-test.txt (texlive-latex-base, texlive-latex-recommended)"
command -v pdflatex >/dev/null || fail "pdflatex is not installed; $install_hint"
kpsewhich booktabs.sty >/dev/null || fail "booktabs.sty is not installed; $install_hint"
[ -x "$render" ] || fail "$render is missing; build the render_report target"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The special-character variant: every label renamed, every imbalance block copied 12 times.
python3 - "$example" "$tmp/special.json" <<'PY'
import copy, json, sys
r = json.load(open(sys.argv[1]))
methods = {"proportional": "prop_50%&#$", "temperature": "temperature_tau5 {a}~b^c\\d", "uniform": "gettext/x|y<z>"}
langs = {"fr": "fr_FR", "de": "de#1", "es": "es&co", "gl": "gl~", "kk": "kk^2", "az": "az{\\}"}
dataset = "ted_58 & 100%"
def rename(e, imb_suffix=""):
    e["dataset"] = dataset
    e["imbalance"] = {"natural": "nat_ural", "exponential": "exp#$2"}[e["imbalance"]] + imb_suffix
    e["method"] = methods[e["method"]]
    if "baseline" in e:
        e["baseline"] = methods[e["baseline"]]
    if isinstance(e.get("languages"), dict):
        e["languages"] = {langs[k]: v for k, v in e["languages"].items()}
    return e
for c in r["cells"] + r["stages"]:
    rename(c)
for key in ("summary", "comparisons"):
    r[key] = [rename(copy.deepcopy(e), f" <{k}>") for k in range(6) for e in r[key]]
r["settings"]["baseline"] = methods[r["settings"]["baseline"]]
r["scorer"]["bleu"] = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 ~ ^ \\ { } $ % & # _"
json.dump(r, open(sys.argv[2], "w"))
PY

compile() {  # name blocks stage_tables: renders $tmp/name.json into name.tex and compiles it
  local name=$1 blocks=$2 stage_tables=$3
  "$render" latex "$tmp/$name.json" "$tmp/$name.tex" || fail "render_report failed on $name.json"
  if ! (cd "$tmp" && pdflatex -interaction=nonstopmode -halt-on-error "$name.tex" >"$name.out" 2>&1); then
    tail -n 40 "$tmp/$name.log" >&2 || cat "$tmp/$name.out" >&2
    fail "pdflatex failed on the leaderboard of $name.json"
  fi
  [ -s "$tmp/$name.pdf" ] || fail "pdflatex wrote no $name.pdf"
  # A glyph the font lacks means an escape went wrong; every table must have been typeset.
  if grep -q "Missing character" "$tmp/$name.log"; then
    grep "Missing character" "$tmp/$name.log" >&2
    fail "$name.tex uses characters its fonts lack"
  fi
  local tables
  tables=$(grep -c '^\\begin{table}' "$tmp/$name.tex")
  [ "$tables" -eq $((2 * blocks + stage_tables)) ] || fail "$name.tex has $tables tables, expected $((2 * blocks + stage_tables))"
  grep -q "Output written on $name.pdf" "$tmp/$name.log" || fail "$name.log does not report the PDF"
  echo "ok: $name.tex ($tables tables) compiles"
}

cp "$example" "$tmp/example.json"
blocks=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len({(s["dataset"], s["imbalance"], s["stage"]) for s in r["summary"]}))' "$example")
# One stage table per dataset × imbalance with stage transitions.
stage_tables=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len({(s["dataset"], s["imbalance"]) for s in r.get("stages", [])}))' "$example")
[ "$stage_tables" -gt 0 ] || fail "the example report should have continual stages"
compile example "$blocks" "$stage_tables"
compile special 12 "$stage_tables"

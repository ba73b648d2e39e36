#!/usr/bin/env bash
# The report's numbers against sacreBLEU 2.6.0 (tests/reports/check_significance.py, in the
# test virtualenv): a 2-method × 2-seed grid on the synthetic corpus is reported twice — as it is
# (several seeds: the seed-averaged paired bootstrap) and with seed 1 alone (one seed: p-values
# must be `sacrebleu --paired-bs`'s; with --claims). Both reports validate against docs/report.schema.json.
# Usage: run_significance.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-significance.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export LONGTAIL_CACHE=$work/cache
py=$build/sacrebleu-venv/bin/python

python3 "$src/tests/e2e/make_corpus.py" "$work/corpus" >/dev/null
cat > "$work/suite.json" <<JSON
{
  "name": "significance",
  "datasets": [{"source": "plain", "path": "$work/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
  "imbalance": [{"profile": "natural"}],
  "methods": [{"name": "proportional"}, {"name": "temperature", "params": {"tau": 5}}],
  "seeds": [1, 2],
  "model": {"config": "tiny"},
  "train": {"steps": 150, "batch_tokens": 800, "lr": 5e-3, "warmup": 40, "log_every": 10, "dev_every": 25,
            "checkpoint_every": 150, "threads": 1},
  "eval": {"splits": ["test"], "beam": 1, "max_pairs": 60},
  "vocab": {"size": 120, "sample_sentences": 2000}
}
JSON
"$build/longtail" run "$work/suite.json" --out "$work/run" --quiet > "$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
"$py" "$src/tests/reports/check_significance.py" "$work/run" "$src/docs/report.schema.json"

# Seed 1 alone: a copy of the run without the seed-2 cells.
cp -r "$work/run" "$work/seed1"
rm -rf "$work"/seed1/synthetic/natural/*/seed2 "$work/seed1/report.json"
"$build/longtail" report "$work/seed1" --claims "$src/claims" > "$work/seed1.log" 2>&1 || { cat "$work/seed1.log"; exit 1; }
"$py" "$src/tests/reports/check_significance.py" "$work/seed1" "$src/docs/report.schema.json"

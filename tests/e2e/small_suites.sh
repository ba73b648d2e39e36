#!/usr/bin/env bash
# Writes the synthetic corpus and two small suites into WORK for the executor tests (jobs, slurm),
# and WORK/suite-common.txt, the suites' shared keys:
#   WORK/grid.json       2 methods x 2 seeds of `tiny`, 30 steps
#   WORK/continual.json  a base stage and two update stages with the given update methods
# One thread per cell (train.threads) so that results are bit for bit the same however the cells run.
# Usage: small_suites.sh SOURCE_TESTS_DIR WORK NAME_PREFIX CONTINUAL_METHODS_JSON
set -euo pipefail
tests=$1 work=$2 prefix=$3 continual_methods=$4
python3 "$tests/e2e/make_corpus.py" "$work/corpus"
common='"datasets": [{"source": "plain", "path": "'$work'/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
 "model": {"config": "tiny"}, "eval": {"splits": ["test"], "beam": 1, "max_pairs": 5}, "vocab": {"size": 120, "sample_sentences": 2000}'
printf '%s' "$common" > "$work/suite-common.txt"  # their datasets, model, eval and vocab, for more suites
cat > "$work/grid.json" <<JSON
{"name": "$prefix-grid", $common,
 "methods": [{"name": "proportional"}, {"name": "temperature", "params": {"tau": 5}}], "seeds": [1, 2],
 "train": {"steps": 30, "batch_tokens": 400, "lr": 5e-3, "warmup": 10, "log_every": 10, "dev_every": 10, "checkpoint_every": 10, "threads": 1}}
JSON
cat > "$work/continual.json" <<JSON
{"name": "$prefix-continual", $common,
 "continual": {"base_fraction": 0.5, "update_train": {"lr": 1e-3, "warmup": 0},
               "stages": [{"languages": ["gl"], "steps": 10, "fraction": 0.5}, {"languages": ["de", "gl"], "steps": 10, "fraction": 0.5}]},
 "methods": $continual_methods, "seeds": [1],
 "train": {"steps": 20, "batch_tokens": 400, "lr": 5e-3, "warmup": 10, "log_every": 10, "dev_every": 10, "checkpoint_every": 10, "threads": 1}}
JSON

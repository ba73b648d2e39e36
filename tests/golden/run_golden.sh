#!/usr/bin/env bash
# Golden test: a small fixed suite (five methods covering the plain, loss-weighted, gradient-surgery,
# inner-loop and dev-loss paths of the trainer) runs end to end on CPU, and what it produced —
# scores, dev losses, diagnostics, metrics.jsonl and every part of the final checkpoints — must
# equal, bit for bit, what was recorded in tests/data/golden/cells.json. A change of behaviour
# anywhere from data preparation to scoring shows up here.
# Then a checkpoint written before longtail's layered restructure (checkpoint version 1: the PCGrad
# cell of this suite stopped at step 50, tests/data/golden/v1-pcgrad-step50) is resumed by this
# build and must reach the recorded end state bit for bit (its tasks are token shares, `tasks: share`,
# the only definition there was when it was written).
# Usage: run_golden.sh BUILD_DIR SOURCE_TESTS_DIR [--record]
#   --record rewrites tests/data/golden/cells.json (only for a deliberate change of behaviour).
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
record=${3:-}
work=$(mktemp -d /tmp/longtail-golden.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export LONGTAIL_CACHE=$work/cache
golden=$tests/data/golden/cells.json

python3 "$tests/e2e/make_corpus.py" "$work/corpus"
cat > "$work/golden.json" <<JSON
{
  "name": "golden",
  "datasets": [{"source": "plain", "path": "$work/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
  "imbalance": [{"profile": "natural"}],
  "methods": [{"name": "temperature", "params": {"tau": 5}},
              {"name": "scalarization"},
              {"name": "pcgrad", "params": {"tasks": "share"}},
              {"name": "sequential_reptile", "params": {"inner_steps": 4, "outer_lr": 0.5}},
              {"name": "cats", "params": {"interval": 10, "warmup_steps": 20}}],
  "seeds": [7],
  "model": {"config": "tiny"},
  "train": {"steps": 100, "batch_tokens": 600, "lr": 5e-3, "warmup": 10, "log_every": 10, "dev_every": 25,
            "checkpoint_every": 25, "threads": 1, "lang_grad_every": 7, "grad_cosine_every": 9},
  "eval": {"splits": ["dev", "test"], "beam": 2, "max_pairs": 12},
  "vocab": {"size": 120, "sample_sentences": 2000}
}
JSON
"$build/longtail" run "$work/golden.json" --out "$work/run" --quiet > "$work/run.txt" 2>&1 \
  || { tail -30 "$work/run.txt"; echo "GOLDEN FAILED: the suite did not run" >&2; exit 1; }
python3 "$tests/golden/digest.py" "$work/run" > "$work/cells.json"
if [ "$record" = "--record" ]; then
  mkdir -p "$(dirname "$golden")"
  cp "$work/cells.json" "$golden"
  echo "golden: recorded $golden"
  exit 0
fi
python3 - "$golden" "$work/cells.json" <<'PY'
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
def diff(a, b, path="$"):
    if type(a) != type(b):
        return [f"{path}: recorded {a!r}, now {b!r}"]
    if isinstance(a, dict):
        out = [f"{path}.{k}: only in the recording" for k in a.keys() - b.keys()]
        out += [f"{path}.{k}: new, not in the recording" for k in b.keys() - a.keys()]
        for k in sorted(a.keys() & b.keys()):
            out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} entries recorded, {len(b)} now"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: recorded {a!r}, now {b!r}"]
problems = diff(want, got)
if problems:
    print("GOLDEN FAILED: the run differs from tests/data/golden/cells.json:", *problems[:40], sep="\n  ")
    sys.exit(1)
print(f"golden: {len(got)} cells identical to the recording")
PY

resume=$work/v1-resume
mkdir -p "$resume/ckpt"
cp "$work/run/synthetic/natural/pcgrad/seed7/config.json" "$resume/"
cp "$tests/data/golden/v1-pcgrad-step50/checkpoint.bin" "$resume/ckpt/"
cp "$tests/data/golden/v1-pcgrad-step50/metrics.jsonl" "$resume/"
"$build/longtail-cell" "$resume" --resume > "$work/resume.txt" 2>&1 \
  || { tail -20 "$work/resume.txt"; echo "GOLDEN FAILED: a version-1 checkpoint does not resume" >&2; exit 1; }
grep -q "resumed synthetic/natural/pcgrad/seed7 at step 50" "$work/resume.txt" \
  || { tail -20 "$work/resume.txt"; echo "GOLDEN FAILED: the cell did not resume from the version-1 checkpoint" >&2; exit 1; }
python3 - "$golden" "$resume" "$tests/golden" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[3])
import digest
want = json.load(open(sys.argv[1]))["synthetic/natural/pcgrad/seed7"]
cell = sys.argv[2]
if digest.checkpoint_digest(os.path.join(cell, "ckpt", "checkpoint.bin")) != want["checkpoint"]:
    sys.exit("GOLDEN FAILED: resumed from the version-1 checkpoint, the final checkpoint differs from the recording")
if digest.metrics_digest(os.path.join(cell, "metrics.jsonl")) != want["metrics"]:
    sys.exit("GOLDEN FAILED: resumed from the version-1 checkpoint, metrics.jsonl differs from the recording")
print("golden: a version-1 checkpoint resumes to the recorded end state")
PY

#!/usr/bin/env bash
# Continual learning end to end (docs/continual.md): a base stage on half of every language's
# pairs, then two update stages (gl; de and gl) with every update method, through the real driver
# and cells. We check what the stages promise:
#   - one shared stage-0 cell, stages 1..2 per update method, every language scored after each;
#   - a frozen parameter is bitwise the previous stage's, a trained one moved;
#   - each stage trains on its own languages' new pairs only (train_examples); replay draws its
#     share from earlier stages' pairs of every language; EWC estimates its Fisher and pays a penalty;
#   - the report's stages: Δ, gains, forgetting and backward transfer from the summary's means, the
#     languages each stage trained marked, the stage table and heatmaps in leaderboard.md and report.html;
#   - a re-run whose stage 0 retrains to the same model keeps the later stages; a changed stage-0
#     model makes stage 1 stale, stage 1's new model makes stage 2 stale, and both run again.
# Usage: run_continual.sh BUILD_DIR SOURCE_TESTS_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tests=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/longtail-continual.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export LONGTAIL_CACHE=$work/cache
lt=$build/longtail
fail() { echo "CONTINUAL FAILED: $*" >&2; exit 1; }

python3 "$tests/e2e/make_corpus.py" "$work/corpus"
cat > "$work/continual.json" <<JSON
{"name": "continual-e2e",
 "datasets": [{"source": "plain", "path": "$work/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
 "continual": {"base_fraction": 0.5,
               "update_train": {"lr": 1e-3, "warmup": 0},
               "stages": [{"languages": ["gl"], "steps": 20, "fraction": 0.5},
                          {"languages": ["de", "gl"], "steps": 20, "fraction": 0.5}]},
 "methods": [{"name": "full"}, {"name": "freeze", "params": {"trainable": "top:1"}}, {"name": "lora", "params": {"rank": 2}},
             {"name": "adapter", "params": {"dim": 8}}, {"name": "laft_uriel"},
             {"name": "ewc", "params": {"lambda": 10, "fisher_batches": 4}}, {"name": "replay", "params": {"share": 0.25}}],
 "seeds": [1], "model": {"config": "tiny"},
 "train": {"steps": 40, "batch_tokens": 400, "lr": 5e-3, "warmup": 10, "log_every": 10, "dev_every": 10, "checkpoint_every": 10, "threads": 1},
 "eval": {"splits": ["test"], "beam": 1, "max_pairs": 5}, "vocab": {"size": 120, "sample_sentences": 2000}}
JSON

"$lt" run "$work/continual.json" --out "$work/run" --quiet > "$work/run1.txt" 2>&1 || fail "run: $(tail -30 "$work/run1.txt")"
base=$work/run/synthetic/natural/proportional/seed1/stage0
python3 - "$work/run" "$base" <<'PY' || fail "the stages"
import json, os, struct, sys
run, base = sys.argv[1], sys.argv[2]

def model(path):  # harness/train/checkpoint.h: the tensors of a model.bin, by name → bytes
    b = open(path, "rb").read()
    assert b[:8] == b"LTCKPT\0\0", path
    pos = 8 + 4 + 4 + 8 + 8
    def blob():
        nonlocal pos
        n, = struct.unpack_from("<Q", b, pos); pos += 8
        s = b[pos:pos + n]; pos += n
        return s
    for _ in range(6): blob()
    n, = struct.unpack_from("<Q", b, pos); pos += 8
    out = {}
    for _ in range(n):
        name = blob().decode(); blob()
        nd, = struct.unpack_from("<I", b, pos); pos += 4 + 8 * nd
        nb, = struct.unpack_from("<Q", b, pos); pos += 8
        out[name] = b[pos:pos + nb]; pos += nb
    return out

cells = {}
for m in ("full", "freeze", "lora", "adapter", "laft_uriel", "ewc", "replay"):
    for u in (1, 2):
        d = f"{run}/synthetic/natural/{m}/seed1/stage{u}"
        r = json.load(open(d + "/result.json"))
        assert r["status"] == "ok", (d, r.get("reason"))
        cells[m, u] = (d, r)
r0 = json.load(open(base + "/result.json"))
langs = ["fr", "de", "gl"]
for (m, u), (d, r) in cells.items():
    assert [l for l in r["languages"]] == langs or sorted(r["languages"]) == sorted(langs), r["languages"]
    cfg = json.load(open(d + "/config.json"))
    assert cfg["cell"]["stage"] == u
    trained = {"1": ["gl"], "2": ["de", "gl"]}[str(u)]
    cell = json.load(open(d + "/cell.json"))
    for l in langs:
        assert (cell["train_examples"][l] > 0) == (l in trained), (d, cell["train_examples"])
    # Stage ranges of a language never overlap (stage 0 takes [0, b), the stages the next slices).
    seen = {}
    for v in range(0, u + 1):
        c = json.load(open((base if v == 0 else f"{run}/synthetic/natural/{m}/seed1/stage{v}") + "/config.json"))
        for l, ranges in c["stage"]["train"].items():
            for b, e in ranges:
                for (b2, e2) in seen.get(l, []):
                    assert e <= b2 or e2 <= b, (l, (b, e), (b2, e2))
                seen.setdefault(l, []).append((b, e))
m0 = model(base + "/model.bin")
m1 = model(cells["freeze", 1][0] + "/model.bin")
moved = {n for n in m0 if m0[n] != m1[n]}
assert moved, "the freeze update changed nothing"
assert all(n.startswith("model.decoder_layers.0.") or n.startswith("model.decoder_ln") for n in moved), sorted(moved)
f1 = model(cells["full", 1][0] + "/model.bin")
assert f1["model.embedding.weight"] != m0["model.embedding.weight"], "the full update left the embedding"
# LoRA is merged at the end of its stage: the base names only, and only the adapted projections moved.
l1 = model(cells["lora", 1][0] + "/model.bin")
assert set(l1) == set(m0), sorted(set(l1) ^ set(m0))
moved = {n for n in m0 if m0[n] != l1[n]}
assert moved and all("attn" in n and n.endswith("weight") for n in moved), sorted(moved)
# Adapters stay in the model (the next stage trains them on); everything else is the base's.
a1 = model(cells["adapter", 1][0] + "/model.bin")
assert any(n.startswith("model.adapter.") for n in a1)
assert all(a1[n] == m0[n] for n in m0), [n for n in m0 if a1[n] != m0[n]]
a2 = model(cells["adapter", 2][0] + "/model.bin")
assert any(a2[n] != a1[n] for n in a1 if n.startswith("model.adapter."))
# LAFT-URIEL logs the budget its URIEL similarity gave, and the layers outside it stay.
d = json.load(open(cells["laft_uriel", 1][0] + "/cell.json"))["diagnostics"]["method"]
assert 0 < d["uriel_similarity"] < 1 and 1 <= d["trainable_layers"] <= 2, d
u1 = model(cells["laft_uriel", 1][0] + "/model.bin")
assert u1["model.embedding.weight"] == m0["model.embedding.weight"]
# EWC: a Fisher estimate from stage 0's pairs, a penalty once the model left the anchor.
d = json.load(open(cells["ewc", 1][0] + "/cell.json"))["diagnostics"]["method"]
assert d["fisher_mean"] > 0 and d["ewc_penalty"] > 0, d
e1 = model(cells["ewc", 1][0] + "/model.bin")
assert e1["model.embedding.weight"] != m0["model.embedding.weight"]
# Replay: a quarter of the examples from earlier stages' pairs, of languages this stage does not train.
for u in (1, 2):
    r = json.load(open(cells["replay", u][0] + "/cell.json"))["replay"]
    total = r["examples_stage"] + r["examples_earlier"]
    assert r["share"] == 0.25 and 0.15 < r["examples_earlier"] / total < 0.35, r
    assert r["earlier_by_language"]["fr"] > 0, r
assert "replay" not in json.load(open(cells["full", 1][0] + "/cell.json"))
PY

# The report `longtail run` wrote: its stages (docs/report-schema.md), per update method stage 0 → 1
# and 1 → 2 over every language, the languages each stage trained marked; the leaderboards and the
# page show them.
python3 - "$work/run" <<'PY' || fail "the report's stages"
import json, sys
run = sys.argv[1]
r = json.load(open(f"{run}/report.json"))
assert "across_stages" not in r["forgetting"], list(r["forgetting"])
st = {(e["method"], e["from_stage"], e["to_stage"]): e for e in r["stages"]}
methods = ("full", "freeze", "lora", "adapter", "laft_uriel", "ewc", "replay")
assert set(st) == {(m, u - 1, u) for m in methods for u in (1, 2)}, sorted(st)
trained = {1: {"gl"}, 2: {"de", "gl"}}
summary = {(s["method"], s["stage"]): s["languages"] for s in r["summary"]}
close = lambda x, y: abs(x - y) < 1e-9
def share(xs):
    return sum(x["significant"] and x["delta_bleu"] > 0 for x in xs) / len(xs) if xs else None
def lost(xs):
    drops = [-x["delta_bleu"] for x in xs if x["delta_bleu"] < 0]
    return (sum(drops) / len(drops) if drops else 0.0) if xs else None
for (m, a, b), e in st.items():
    assert e["dataset"] == "synthetic" and e["imbalance"] == "natural", e
    langs = e["languages"]
    assert sorted(langs) == ["de", "fr", "gl"], langs
    assert {l for l, x in langs.items() if x["trained"]} == trained[b], (m, b, langs)
    for l, x in langs.items():
        assert close(x["bleu_before"], summary[m, a][l]["bleu_mean"]) and close(x["bleu_after"], summary[m, b][l]["bleu_mean"]), (m, b, l)
        assert close(x["delta_bleu"], x["bleu_after"] - x["bleu_before"]), x
        assert x["significant"] == (x["p_value"] <= r["settings"]["alpha"] and x["delta_bleu"] != 0), x
    xs = list(langs.values())
    tr = [x for x in xs if x["trained"]]
    un = [x for x in xs if not x["trained"]]
    assert e["languages_scored"] == 3, e
    assert e["improved"] == sum(x["significant"] and x["delta_bleu"] > 0 for x in xs), e
    assert e["degraded"] == sum(x["significant"] and x["delta_bleu"] < 0 for x in xs), e
    assert e["gains"] == share(xs) and e["gains_trained"] == share(tr) and e["gains_untrained"] == share(un), e
    assert close(e["forgetting"], lost(xs)) and close(e["forgetting_trained"], lost(tr)) and close(e["forgetting_untrained"], lost(un)), e
    # Backward transfer: after this stage against the base, every language first scored at stage 0.
    assert close(e["backward_transfer"], sum(x["bleu_after"] - summary[m, 0][l]["bleu_mean"] for l, x in langs.items()) / 3), e
md = open(f"{run}/leaderboard.md", encoding="utf-8").read()
assert "## synthetic, imbalance natural: continual stages" in md and "| 0→1 gains |" in md, md[-2000:]
html = open(f"{run}/report.html", encoding="utf-8").read()
assert html.count('<table class="heatmap">') == len(methods), html.count('<table class="heatmap">')
PY

# A stage-0 retrained to the same model leaves the later stages complete.
rm "$base/result.json"
"$lt" run "$work/continual.json" --out "$work/run" --quiet > "$work/run2.txt" 2>&1 || fail "re-run: $(tail -30 "$work/run2.txt")"
grep -q "14 already complete" "$work/run2.txt" || fail "the stages of an unchanged base should be kept: $(tail -5 "$work/run2.txt")"

# A changed stage-0 model makes them stale: they run again from it. (One weight's lowest mantissa
# byte changes, and the checksum is rewritten: a valid checkpoint of another model.)
python3 - "$base/model.bin" <<'PY'
import struct, sys, zlib
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
pos = 8 + 4 + 4 + 8 + 8
def skip_blob():
    global pos
    n, = struct.unpack_from("<Q", b, pos); pos += 8 + n
for _ in range(6): skip_blob()
pos += 8                        # tensor count
skip_blob(); skip_blob()        # the first tensor's name and dtype
nd, = struct.unpack_from("<I", b, pos); pos += 4 + 8 * nd
pos += 8                        # its byte count; its first float starts here
b[pos] ^= 1
body = bytes(b[:-4])
open(path, "wb").write(body + struct.pack("<I", zlib.crc32(body)))
PY
"$lt" run "$work/continual.json" --out "$work/run" --quiet > "$work/run3.txt" 2>&1 || fail "re-run after the change: $(tail -30 "$work/run3.txt")"
grep -q "14 run, 1 already complete" "$work/run3.txt" || fail "every update stage should run again (stage 2 starts from a changed stage-1 model): $(grep already "$work/run3.txt")"
grep -q "full/seed1/stage2: its result no longer answers the suite" "$work/run3.txt" || fail "stage 2 should be stale after stage 1 changed: $(grep -i stale "$work/run3.txt")"
grep -q "full/seed1/stage1: its result no longer answers the suite" "$work/run3.txt" || fail "stage 1 should be stale: $(grep -i stale "$work/run3.txt")"

# A damaged stage-0 model fails stage 1, naming the file, and stage 2 without a launch.
python3 - "$base/model.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xff; open(sys.argv[1], "wb").write(bytes(b))
PY
set +e
"$lt" run "$work/continual.json" --out "$work/run" --quiet > "$work/run4.txt" 2>&1
code=$?
set -e
[ $code -ne 0 ] || fail "stages started from a damaged model should fail"
python3 - "$work/run" <<'PY' || fail "after the damage: $(tail -10 "$work/run4.txt")"
import json, sys
r = json.load(open(f"{sys.argv[1]}/synthetic/natural/full/seed1/stage1/result.json"))
assert r["status"] == "failed" and "model.bin" in r["reason"], r.get("reason")
r = json.load(open(f"{sys.argv[1]}/synthetic/natural/full/seed1/stage2/result.json"))
assert r["status"] == "failed" and "previous stage" in r["reason"], r.get("reason")
PY
echo "continual: ok"

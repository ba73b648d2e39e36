"""Checks a longtail report against sacreBLEU 2.6.0 itself (run in the test virtualenv):

- every BLEU and chrF in `cells` is what `sacrebleu refs/X -i hyps/X` gives, bit for bit;
- with one seed, every comparison's p-value is `PairedTest(..., test_type='bs')`'s (`--paired-bs`),
  bit for bit;
- with several seeds, every p-value (languages and groups) is the seed-averaged paired bootstrap
  written out here with NumPy: the same 1,000 index draws for every seed, each seed's resampled
  corpus BLEU as sacreBLEU computes it, averaged over seeds, then sacreBLEU's p-value formula;
- wins/ties/losses and `significant` follow from the p-values, the deltas and alpha;
- the report validates against docs/report.schema.json.

Usage: check_significance.py RUN_DIR SCHEMA_JSON
"""
import json
import sys

import jsonschema
import numpy as np
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

run, schema_file = sys.argv[1], sys.argv[2]
report = json.load(open(f"{run}/report.json", encoding="utf-8"))
jsonschema.Draft202012Validator(json.load(open(schema_file, encoding="utf-8"))).validate(report)
settings = report["settings"]
split, alpha, n_samples, seed = settings["split"], settings["alpha"], settings["bootstrap_resamples"], settings["bootstrap_seed"]
bleu, chrf = BLEU(), CHRF()


def lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def hyps(c, lang):
    return lines(f"{run}/{c['dataset']}/{c['imbalance']}/{c['method']}/seed{c['seed']}/hyps/{lang}.{split}.txt")


def refs(dataset, lang):
    return lines(f"{run}/{dataset}/refs/{lang}.{split}.txt")


cells = {}
checked_scores = 0
for c in report["cells"]:
    if c["status"] != "ok":
        continue
    cells.setdefault((c["dataset"], c["imbalance"], c["method"], c["stage"]), []).append(c)
    for lang, l in c["languages"].items():
        h, r = hyps(c, lang), refs(c["dataset"], lang)
        assert bleu.corpus_score(h, [r]).score == l["bleu"], (c["method"], c["seed"], lang, "BLEU")
        assert chrf.corpus_score(h, [r]).score == l["chrf"], (c["method"], c["seed"], lang, "chrF")
        checked_scores += 1
for v in cells.values():
    v.sort(key=lambda c: c["seed"])


def p_value(scores_bl, scores_sys, real_difference):
    sample_diffs = np.abs(scores_sys - scores_bl)
    stats = sample_diffs - sample_diffs.mean()
    return (np.sum(stats > real_difference).item() + 1) / (len(stats) + 1)


def resampled(c, lang, idxs):
    stats = bleu._extract_corpus_statistics(hyps(c, lang), [refs(c["dataset"], lang)])
    real = bleu._aggregate_and_compute(stats).score
    stats = np.array(stats, dtype="float32")
    return real, [float(bleu._compute_score_from_stats(s.sum(0)).score) for s in stats[idxs]]


checked_p = 0
for cmp in report["comparisons"]:
    key = (cmp["dataset"], cmp["imbalance"], cmp["method"], cmp["stage"])
    sys_cells, bl_cells = cells[key], cells[key[:2] + (cmp["baseline"],) + key[3:]]
    langs = sorted(cmp["languages"])  # the report accumulates group means in this order
    n = {lang: len(refs(cmp["dataset"], lang)) for lang in langs}
    per = {}  # lang -> (real_bl, real_sys, avg_bl, avg_sys, per-seed resamples)
    for lang in langs:
        if len(sys_cells) == 1:
            r = refs(cmp["dataset"], lang)
            _, scores = PairedTest([("base", hyps(bl_cells[0], lang)), ("new", hyps(sys_cells[0], lang))],
                                   {"BLEU": BLEU()}, references=[r], test_type="bs", n_samples=n_samples)()
            expected = scores["BLEU"][1].p_value
        idxs = np.random.default_rng(seed).choice(n[lang], size=(n_samples, n[lang]), replace=True)
        bl = [resampled(c, lang, idxs) for c in bl_cells]
        sy = [resampled(c, lang, idxs) for c in sys_cells]

        def average(runs):
            out = []
            for k in range(n_samples):
                s = 0.0
                for _, v in runs:
                    s += v[k]
                out.append(s / len(runs))
            return np.array(out)

        def mean_real(runs):
            s = 0.0
            for real, _ in runs:
                s += real
            return s / len(runs)

        per[lang] = (bl, sy)
        if len(sys_cells) > 1:
            expected = p_value(average(bl), average(sy), abs(mean_real(bl) - mean_real(sy)))
        got = cmp["languages"][lang]
        assert got["p_value"] == expected, (key, lang, got["p_value"], expected)
        # A zero difference is never significant (identical resamples give p = 1/(n+1)).
        assert got["significant"] == (expected <= alpha and got["delta_bleu"] != 0), (key, lang)
        checked_p += 1

    groups = {"all": langs}
    for g in ("high", "low"):
        groups[g] = [lang for lang in langs if sys_cells[0]["languages"][lang]["group"] == g]
    for g, members in groups.items():
        got = cmp["groups"][g]
        wins = sum(1 for x in members if cmp["languages"][x]["significant"] and cmp["languages"][x]["delta_bleu"] > 0)
        losses = sum(1 for x in members if cmp["languages"][x]["significant"] and cmp["languages"][x]["delta_bleu"] < 0)
        assert (got["wins"], got["ties"], got["losses"]) == (wins, len(members) - wins - losses, losses), (key, g, got, cmp["languages"])
        if not members:
            assert got["p_value"] is None
            continue

        def group_average(which):  # per seed: mean over the group's languages, then over seeds
            k_seeds = len(per[members[0]][which])
            out = np.zeros(n_samples)
            for r in range(n_samples):
                s = 0.0
                for i in range(k_seeds):
                    acc = 0.0
                    for lang in members:
                        acc += per[lang][which][i][1][r] / len(members)
                    s += acc
                out[r] = s / k_seeds
            return out

        def group_real(which):
            s = 0.0
            for lang in members:
                runs = per[lang][which]
                m = 0.0
                for real, _ in runs:
                    m += real
                s += m / len(runs)
            return s / len(members)

        expected = p_value(group_average(0), group_average(1), abs(group_real(0) - group_real(1)))
        assert got["p_value"] == expected, (key, g, got["p_value"], expected)
        assert got["significant"] == (expected <= alpha and got["delta_bleu"] != 0), (key, g)
        checked_p += 1
    assert (cmp["wins"], cmp["ties"], cmp["losses"]) == (cmp["groups"]["all"]["wins"], cmp["groups"]["all"]["ties"],
                                                         cmp["groups"]["all"]["losses"])
assert checked_scores > 0 and checked_p > 0
if "claims" in report:  # with --claims: every claim file's claims, judged (none testable on this toy run)
    assert len(report["claims"]) >= 20 and all(c["verdict"] == "not testable" for c in report["claims"]), report["claims"]
print(f"{run}: {checked_scores} scores and {checked_p} p-values equal sacreBLEU's")

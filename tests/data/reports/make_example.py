# Writes example-v2.json: a hand-made longtail-report-v2 (3 methods x 2 imbalance profiles x 3 seeds, one
# failed cell, two continual stage transitions per method of one profile) that the renderers' tests read. Its numbers are invented; docs/report.schema.json validates it.
import json, random, math
random.seed(7)
langs = [("fr", 25090, "high"), ("de", 20000, "high"), ("es", 15000, "high"), ("gl", 4000, "low"), ("kk", 3200, "low"), ("az", 2900, "low")]
methods = ["proportional", "temperature", "uniform"]
imbs = ["natural", "exponential"]
seeds = [1, 2, 3]
cells = []
base = {"proportional": 0, "temperature": 0.8, "uniform": 0.3}
for imb in imbs:
  for m in methods:
    for s in seeds:
      L = {}
      for code, n, g in langs:
        tp = n if imb == "natural" else int(n * (0.7 if g == "high" else 0.3))
        b = 5 + 3 * math.log10(n) + base[m] * (1 if g == "low" else -0.5) + random.gauss(0, 0.4)
        L[code] = {"bleu": b, "chrf": b * 1.8 + 10, "dev_loss": 4 - b / 10, "train_pairs": tp, "natural_pairs": n, "group": g}
      hv = [v["bleu"] for v in L.values() if v["group"] == "high"]; lv = [v["bleu"] for v in L.values() if v["group"] == "low"]
      cells.append({"dataset": "gettext", "imbalance": imb, "method": m, "seed": s, "stage": 0, "status": "ok",
        "mean_bleu": sum(hv + lv) / 6, "high_bleu": sum(hv) / 3, "low_bleu": sum(lv) / 3, "languages": L,
        "device": "cpu", "torch_version": "1.13.0", "precision": "fp32", "steps": 500, "tokens": 845037,
        "tokens_per_s": 3800.0, "train_wall_s": 222.0, "wall_time_s": 245.0,
        "corpus_fingerprint": "ab" * 32, "git_commit": "dea5794063cb", "config_sha256": "cd" * 32})
cells.append({"dataset": "gettext", "imbalance": "natural", "method": "uniform", "seed": 4, "stage": 0, "status": "failed",
  "reason": "loss is NaN at step 812", "languages": {}, "wall_time_s": 12.0, "corpus_fingerprint": "ab" * 32, "git_commit": "dea5794063cb"})
def stats(v):
  n = len(v); m = sum(v) / n
  sd = math.sqrt(sum((x - m) ** 2 for x in v) / (n - 1)); h = 4.302652729911275 * sd / math.sqrt(n)
  return m, sd, [m - h, m + h]
summary, comps, conv, within, cost = [], [], [], [], []
for imb in imbs:
  for m in methods:
    cs = [c for c in cells if c["imbalance"] == imb and c["method"] == m and c["status"] == "ok"]
    e = {"dataset": "gettext", "imbalance": imb, "method": m, "stage": 0, "seeds": seeds, "languages": {}, "groups": {}}
    for code, n, g in langs:
      bm, bs, bc = stats([c["languages"][code]["bleu"] for c in cs]); cm, csd, cc = stats([c["languages"][code]["chrf"] for c in cs])
      e["languages"][code] = {"bleu_se": 0.5, "bleu_mean": bm, "bleu_std": bs, "bleu_ci95": bc, "chrf_mean": cm, "chrf_std": csd, "chrf_ci95": cc,
                              "train_pairs": cs[0]["languages"][code]["train_pairs"], "natural_pairs": n, "group": g}
    for grp in ["all", "high", "low"]:
      sel = [code for code, n, g in langs if grp == "all" or g == grp]
      bm, bs, bc = stats([sum(c["languages"][x]["bleu"] for x in sel) / len(sel) for c in cs])
      cm, csd, cc = stats([sum(c["languages"][x]["chrf"] for x in sel) / len(sel) for c in cs])
      e["groups"][grp] = {"bleu_se": 0.3, "bleu_mean": bm, "bleu_std": bs, "bleu_ci95": bc, "chrf_mean": cm, "chrf_std": csd, "chrf_ci95": cc,
                          "languages": len(sel), "train_pairs": sum(cs[0]["languages"][x]["train_pairs"] for x in sel)}
    summary.append(e)
    steps = [100, 200, 300, 400, 500]
    vals = [6.5 - 0.5 * i - base[m] * 0.2 * i for i in range(5)]
    conv.append({"dataset": "gettext", "imbalance": imb, "method": m, "stage": 0, "baseline": "proportional", "metric": "dev_loss",
                 "target": 4.5, "steps_to_target": 500 if m == "proportional" else 300, "tokens_to_target": 500000.0, "seconds_to_target": 120.0,
                 "baseline_steps_to_target": 500, "speedup": 1.0 if m == "proportional" else 500 / 300, "best": min(vals),
                 "area_under_curve": sum(vals) / 5, "curve": {"steps": steps, "values": vals}})
    within.append({"dataset": "gettext", "imbalance": imb, "method": m, "stage": 0, "metric": "dev_loss",
                   "languages": {code: {"best": 4.0, "best_step": 400, "final": 4.1, "forgetting": 0.1} for code, n, g in langs}, "mean_forgetting": 0.1})
    cost.append({"dataset": "gettext", "imbalance": imb, "method": m, "stage": 0, "seeds": 3, "steps": 500, "tokens": 845037,
                 "train_wall_s": 222.0, "wall_time_s": 245.0, "tokens_per_s": 3800.0, "step_time_s": 0.444, "step_time_ratio": 1.0 if m == "proportional" else 1.02, "devices": ["cpu"]})
  bl = next(s for s in summary if s["imbalance"] == imb and s["method"] == "proportional")
  for m in methods[1:]:
    s = next(s for s in summary if s["imbalance"] == imb and s["method"] == m)
    c = {"dataset": "gettext", "imbalance": imb, "method": m, "stage": 0, "baseline": "proportional", "seeds": seeds, "languages": {}, "groups": {}}
    w = t = l = 0
    for code, n, g in langs:
      d = s["languages"][code]["bleu_mean"] - bl["languages"][code]["bleu_mean"]
      p = 0.001 if abs(d) > 0.6 else 0.3
      sig = p <= 0.05
      w += sig and d > 0; l += sig and d < 0; t += not sig
      c["languages"][code] = {"delta_bleu": d, "delta_chrf": s["languages"][code]["chrf_mean"] - bl["languages"][code]["chrf_mean"], "p_value": p, "significant": sig}
    for grp in ["all", "high", "low"]:
      sel = [code for code, n, g in langs if grp == "all" or g == grp]
      c["groups"][grp] = {"delta_bleu": s["groups"][grp]["bleu_mean"] - bl["groups"][grp]["bleu_mean"],
                          "delta_chrf": s["groups"][grp]["chrf_mean"] - bl["groups"][grp]["chrf_mean"],
                          "p_value": 0.01 if abs(s["groups"][grp]["bleu_mean"] - bl["groups"][grp]["bleu_mean"]) > 0.4 else 0.4,
                          "significant": abs(s["groups"][grp]["bleu_mean"] - bl["groups"][grp]["bleu_mean"]) > 0.4,
                          "wins": sum(1 for x in sel if c["languages"][x]["significant"] and c["languages"][x]["delta_bleu"] > 0),
                          "losses": sum(1 for x in sel if c["languages"][x]["significant"] and c["languages"][x]["delta_bleu"] < 0),
                          "ties": sum(1 for x in sel if not c["languages"][x]["significant"])}
    c.update(wins=int(w), ties=int(t), losses=int(l))
    comps.append(c)
# Continual stages, invented like every number here (the summary keeps stage 0 only): for each method
# of the natural profile, stage 0 -> 1 trains gl and kk, stage 1 -> 2 trains kk; the rest drift down.
rs = random.Random(11)
stages = []
def share(v):
  return sum(1 for x in v if x["significant"] and x["delta_bleu"] > 0) / len(v) if v else None
def lost(v):
  return (sum(-x["delta_bleu"] for x in v if x["delta_bleu"] < 0) / sum(1 for x in v if x["delta_bleu"] < 0)
          if any(x["delta_bleu"] < 0 for x in v) else 0.0) if v else None
for m in methods:
  s0 = next(s for s in summary if s["imbalance"] == "natural" and s["method"] == m)
  first = {code: s0["languages"][code]["bleu_mean"] for code, n, g in langs}
  before = dict(first)
  for frm, to, trained in [(0, 1, {"gl", "kk"}), (1, 2, {"kk"})]:
    L = {}
    for code, n, g in langs:
      d = (1.6 if code in trained else -0.7) * (0.3 + rs.random())
      p = 0.001 if abs(d) > 0.5 else 0.4
      L[code] = {"bleu_before": before[code], "bleu_after": before[code] + d, "delta_bleu": d, "p_value": p,
                 "significant": p <= 0.05, "trained": code in trained}
    v = list(L.values()); tr = [x for x in v if x["trained"]]; un = [x for x in v if not x["trained"]]
    stages.append({"dataset": "gettext", "imbalance": "natural", "method": m, "from_stage": frm, "to_stage": to, "languages": L,
                   "languages_scored": len(v), "improved": sum(1 for x in v if x["significant"] and x["delta_bleu"] > 0),
                   "degraded": sum(1 for x in v if x["significant"] and x["delta_bleu"] < 0), "gains": share(v), "forgetting": lost(v),
                   "backward_transfer": sum(L[c]["bleu_after"] - first[c] for c in L) / len(L),
                   "gains_trained": share(tr), "gains_untrained": share(un), "forgetting_trained": lost(tr), "forgetting_untrained": lost(un)})
    before = {c: L[c]["bleu_after"] for c in L}
rep = {"schema": "longtail-report-v2", "suite": "example", "run_dir": "/runs/example", "generated_by": "longtail 0.1.0 (dea5794063cb)",
  "scorer": {"bleu": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", "chrf": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"},
  "corpus_fingerprints": ["ab" * 32], "git_commits": ["dea5794063cb"], "torch_versions": ["1.13.0"], "devices": ["cpu"], "wall_time_s": 4420.0,
  "settings": {"baseline": "proportional", "alpha": 0.05, "split": "test", "bootstrap_resamples": 1000, "bootstrap_seed": 12345},
  "cells": cells, "summary": summary, "comparisons": comps, "convergence": conv,
  "forgetting": {"within_run": within}, "stages": stages, "cost": cost}
json.dump(rep, open("example-v2.json", "w"), indent=1)

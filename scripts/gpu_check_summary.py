#!/usr/bin/env python3
"""Writes summary.json and summary.md of a scripts/gpu-check.sh run (standard library only).

  gpu_check_summary.py OUT_DIR BUILD_DIR GPU(0|1) ELAPSED_S

Reads OUT_DIR/steps.tsv (each step's outcome), gpu.txt (nvidia-smi), bench_train_step.json
(Google Benchmark), reference_*.json (bench/reference/train_step.py) and the quickstart cell's
result.json under run/. MFU = model FLOPs per step (the reference's count for the same model and
batch) x steps per second / the GPU's dense bf16 peak. Exits 1 when a step failed or timed out.
"""
import glob
import json
import os
import platform
import subprocess
import sys

# Dense bf16 tensor-core peaks (FLOP/s) from the vendors' data sheets (SXM parts).
PEAK_BF16 = [("H200", 989.4e12), ("H100", 989.4e12), ("A100", 312e12), ("L40S", 362e12), ("L4", 121e12)]


def load(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    out, build, gpu, elapsed = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
    steps = []
    with open(os.path.join(out, "steps.tsv")) as fh:
        for line in fh:
            name, outcome, secs = line.rstrip("\n").split("\t")
            steps.append({"step": name, "outcome": outcome, "seconds": int(secs)})
    failures = [s for s in steps if s["outcome"] != "ok" and not s["outcome"].startswith("skipped")]

    gpu_line = ""
    if os.path.exists(os.path.join(out, "gpu.txt")):
        gpu_line = open(os.path.join(out, "gpu.txt")).read().strip().splitlines()[0]
    device = gpu_line.split(",")[0].strip() if gpu_line else f"CPU ({cpu_model()}, {os.cpu_count()} cores)"
    peak = next((p for key, p in PEAK_BF16 if key in device), None) if gpu else None

    bench = load(os.path.join(out, "bench_train_step.json")) or {}
    context = bench.get("context", {})
    refs = {os.path.basename(p)[len("reference_"):-len(".json")]: load(p)
            for p in sorted(glob.glob(os.path.join(out, "reference_*.json")))}
    any_ref = next((r for r in refs.values() if r), {})

    rows = []
    for b in bench.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        _, preset, dev = b["name"].split("/")[:3]
        row = {"preset": preset, "device": dev, "label": b.get("label", ""),
               "longtail_tokens_per_s": b.get("tokens/s"), "ms_per_step": b.get("real_time")}
        eager, comp = refs.get("eager_" + preset), refs.get("compile_" + preset)
        if eager:
            row["eager_tokens_per_s"] = eager["tokens_per_s"]
            row["ratio_to_eager"] = row["longtail_tokens_per_s"] / eager["tokens_per_s"]
            if eager["batch_tokens"] != b.get("batch_tokens") or eager["params"] != b.get("params"):
                row["note"] = (f"not the same step: longtail {b.get('batch_tokens')} tokens, {b.get('params')} parameters; "
                               f"reference {eager['batch_tokens']} tokens, {eager['params']} parameters")
            flops = eager["model_flops_per_step"]
            steps_per_s = row["longtail_tokens_per_s"] / eager["batch_tokens"]
            row["model_tflops"] = flops * steps_per_s / 1e12
            if peak:
                row["mfu"] = flops * steps_per_s / peak
                row["eager_mfu"] = flops * (eager["tokens_per_s"] / eager["batch_tokens"]) / peak
        if comp:
            row["compile"] = comp["compile"]
            if comp["compiled"]:
                row["compiled_tokens_per_s"] = comp["tokens_per_s"]
                row["ratio_to_compiled"] = row["longtail_tokens_per_s"] / comp["tokens_per_s"]
        rows.append(row)

    cell = None
    for path in glob.glob(os.path.join(out, "run", "**", "result.json"), recursive=True):
        r = load(path)
        if r:
            bleu = [lang["test"]["bleu"] for lang in r["languages"].values() if lang.get("test")]
            cell = {"id": os.path.relpath(os.path.dirname(path), os.path.join(out, "run")), "status": r["status"],
                    "device": r["device"], "precision": r["precision"], "steps": r["steps"],
                    "tokens_per_s": r["tokens_per_s"], "train_wall_s": r["train_wall_s"],
                    "wall_time_s": r["wall_time_s"], "mean_test_bleu": sum(bleu) / len(bleu) if bleu else None,
                    "test_bleu": {k: v["test"]["bleu"] for k, v in r["languages"].items() if v.get("test")}}

    summary = {
        "schema": "longtail-gpu-check-v1",
        "gpu": gpu,
        "device": device,
        "nvidia_smi": gpu_line,
        "peak_bf16_flops": peak,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": git("status", "--porcelain", "--untracked-files=no") != "",
        "libtorch_version": context.get("torch_version"),
        "attention": context.get("attention"),
        "pytorch_version": any_ref.get("torch_version"),
        "cuda_version": any_ref.get("cuda_version"),
        "build_dir": build,
        "elapsed_s": elapsed,
        "steps": steps,
        "train_step": rows,
        "quickstart_cell": cell,
        "failures": [f"{s['step']}: {s['outcome']}" for s in failures],
        "skipped": [f"{s['step']}: {s['outcome'][len('skipped: '):]}" for s in steps if s["outcome"].startswith("skipped")],
    }
    tmp = os.path.join(out, "summary.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(summary, fh, indent=1)
        fh.write("\n")
    os.replace(tmp, os.path.join(out, "summary.json"))

    def num(x, fmt="{:,.0f}"):
        return "–" if x is None else fmt.format(x)

    md = [f"# GPU check: {device}", "",
          f"commit {summary['git_commit'][:12]}{' (modified)' if summary['git_dirty'] else ''}; LibTorch "
          f"{summary['libtorch_version']} ({summary['attention']}); PyTorch {summary['pytorch_version']}, CUDA "
          f"{summary['cuda_version']}; {elapsed} s in all" + ("" if gpu else "; **no GPU: the GPU parts were skipped**"), "",
          "| step | outcome | s |", "|---|---|---:|"]
    md += [f"| {s['step']} | {s['outcome']} | {s['seconds']} |" for s in steps]
    if rows:
        md += ["", "| train step | longtail tokens/s | PyTorch eager tokens/s | ratio | torch.compile tokens/s | ratio | MFU | eager MFU |",
               "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            md.append(f"| {r['preset']} {r['label']} | {num(r['longtail_tokens_per_s'])} | {num(r.get('eager_tokens_per_s'))} | "
                      f"{num(r.get('ratio_to_eager'), '{:.2f}')} | {num(r.get('compiled_tokens_per_s'))} | "
                      f"{num(r.get('ratio_to_compiled'), '{:.2f}')} | {num(r.get('mfu'), '{:.1%}')} | {num(r.get('eager_mfu'), '{:.1%}')} |")
    if cell:
        md += ["", f"Quickstart cell {cell['id']} ({cell['status']}, {cell['device']}, {cell['precision']}): {cell['steps']} steps at "
               f"{num(cell['tokens_per_s'])} tokens/s, {cell['train_wall_s']:.1f} s training, {cell['wall_time_s']:.1f} s in all; "
               f"mean test BLEU {num(cell['mean_test_bleu'], '{:.1f}')} " +
               "(" + ", ".join(f"{k} {v:.1f}" for k, v in cell["test_bleu"].items()) + ")"]
    notes = [f"{r['preset']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        md += ["", "Warning: " + "; ".join(notes)]
    if summary["failures"]:
        md += ["", "Failures: " + "; ".join(summary["failures"])]
    tmp = os.path.join(out, "summary.md.tmp")
    with open(tmp, "w") as fh:
        fh.write("\n".join(md) + "\n")
    os.replace(tmp, os.path.join(out, "summary.md"))
    print("\n".join(md))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

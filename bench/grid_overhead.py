#!/usr/bin/env python3
"""Grid overhead per cell: what `longtail run` spends around the cells' own work, on a tiny suite.

The suite is tests/e2e/make_corpus.py's synthetic corpus, the `tiny` model, 4 methods x 2 seeds
(8 cells) and `train.steps` 1, so training is next to nothing. The data is prepared once (cached);
then the timed run goes into a fresh run directory, and the figures say where its time went:

  driver fixed   the run's wall time less the cells' share: starting the driver, planning, checking
                 the cached data, the report at the end (with --no-store)
  launch+collect per cell, result.json's wall_time_s less the cell process's own wall_s: fork/exec
                 and LibTorch loading before longtail-cell's clock starts, detokenising
                 (longtail-text decode-dir), scoring, writing result.json; through Slurm also the
                 queueing, scheduling and the driver's polling
  cell setup     the cell's wall_s less its training steps and decoding: reading config.json and
                 the shards, building the model and optimiser, checkpoint and cell.json
  training       the cell's training time (metrics.jsonl elapsed_s), excluded from the overhead

Grid overhead per cell = (run wall time - training of all cells) / cells: planning, launch and
collection, and the cell's own setup and decoding of 5 test sentences per language.

Usage: bench/grid_overhead.py BUILD_DIR [--slurm] [--poll S] [--cells-at-once N]
  --slurm   also through a private one-node Slurm (tests/slurm/start-slurm.sh; needs root), with
            --max-parallel 1 so that the cells' own times add up as locally
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


def suite(work):
    return {
        "name": "overhead",
        "datasets": [{"source": "plain", "path": f"{work}/corpus", "label": "synthetic", "corpus": {"min_pairs": 10}}],
        "methods": [{"name": "proportional"}, {"name": "temperature", "params": {"tau": 5}}, {"name": "uniform"},
                    {"name": "temperature", "label": "temperature-2", "params": {"tau": 2}}],
        "seeds": [1, 2], "model": {"config": "tiny"},
        "train": {"steps": 1, "batch_tokens": 400, "log_every": 1, "dev_every": 1, "checkpoint_every": 1, "threads": 1},
        "eval": {"splits": ["test"], "beam": 1, "max_pairs": 5}, "vocab": {"size": 120, "sample_sentences": 2000},
    }


def timed_run(lt, suite_file, out, extra):
    t0 = time.monotonic()
    subprocess.run([lt, "run", suite_file, "--out", out, "--quiet", "--no-store", *extra], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0


def figures(label, out, wall):
    cells = []
    for path in sorted(glob.glob(f"{out}/**/result.json", recursive=True)):
        d = os.path.dirname(path)
        r = json.load(open(path))
        c = json.load(open(f"{d}/cell.json"))
        train_s = 0.0
        for line in open(f"{d}/metrics.jsonl"):
            m = json.loads(line)
            if m.get("kind") == "train":
                train_s = max(train_s, m.get("elapsed_s", 0.0))
        assert r["status"] == "ok", (path, r.get("reason"))
        cells.append((r["wall_time_s"], c["wall_s"], train_s))
    n = len(cells)
    result_s = sum(c[0] for c in cells)
    cell_s = sum(c[1] for c in cells)
    train_s = sum(c[2] for c in cells)
    print(f"{label}: {n} cells in {wall:.2f} s")
    print(f"  grid overhead per cell (training excluded): {(wall - train_s) / n:.3f} s")
    print(f"    driver fixed (start, planning, cached data, report): {(wall - result_s) / n:.3f} s per cell, {wall - result_s:.2f} s in all")
    print(f"    launch + collect:                                    {(result_s - cell_s) / n:.3f} s per cell")
    print(f"    cell setup + decoding (its wall_s less training):    {(cell_s - train_s) / n:.3f} s per cell")
    print(f"  training (excluded):                                   {train_s / n:.3f} s per cell")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--slurm", action="store_true")
    ap.add_argument("--poll", default="0.5")
    args = ap.parse_args()
    lt = os.path.join(os.path.abspath(args.build), "longtail")
    work = tempfile.mkdtemp(prefix="longtail-bench-grid.")
    os.environ["LONGTAIL_CACHE"] = f"{work}/cache"
    slurm_dir = None
    try:
        subprocess.run([sys.executable, f"{SOURCE}/tests/e2e/make_corpus.py", f"{work}/corpus"], check=True)
        suite_file = f"{work}/suite.json"
        json.dump(suite(work), open(suite_file, "w"))
        timed_run(lt, suite_file, f"{work}/warm", ["--only", "seed=1,method=proportional"])  # data prepared and cached
        t0 = time.monotonic()
        subprocess.run([os.path.join(os.path.abspath(args.build), "longtail-cell"), "--help"], check=True, stdout=subprocess.DEVNULL)
        print(f"longtail-cell --help (loading LibTorch): {time.monotonic() - t0:.3f} s")
        figures("local, --jobs 1", f"{work}/local", timed_run(lt, suite_file, f"{work}/local", []))
        if args.slurm:
            slurm_dir = f"{work}/slurm"
            conf = subprocess.run([f"{SOURCE}/tests/slurm/start-slurm.sh", slurm_dir], check=True, capture_output=True, text=True)
            os.environ["SLURM_CONF"] = conf.stdout.strip()
            figures(f"Slurm, --max-parallel 1, --poll {args.poll}", f"{work}/slurm-run",
                    timed_run(lt, suite_file, f"{work}/slurm-run", ["--executor", "slurm", "--max-parallel", "1", "--poll", args.poll]))
    finally:
        if slurm_dir:
            subprocess.run([f"{SOURCE}/tests/slurm/stop-slurm.sh", slurm_dir])
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

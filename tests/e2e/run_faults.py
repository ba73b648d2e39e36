#!/usr/bin/env python3
"""Fault injection: a small grid is run once without interruption, then again in a fresh directory
while the driver or one of its cells is killed with SIGKILL at seeded random moments, N times;
a final re-run completes it. The final report must equal the uninterrupted one (per-language
scores and dev losses, steps) and no cell may ever have been trained by two processes at once
(every metrics.jsonl counts its steps once, in order).

Usage: run_faults.py BUILD_DIR SOURCE_TESTS_DIR [KILLS] [SEED]
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def main():
    build, tests = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    kills = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 20261201)
    work = tempfile.mkdtemp(prefix="longtail-faults.")
    env = dict(os.environ, LONGTAIL_CACHE=os.path.join(work, "cache"))
    try:
        subprocess.run([sys.executable, os.path.join(tests, "e2e", "make_corpus.py"), os.path.join(work, "corpus")], check=True)
        suite = {
            "name": "faults",
            "datasets": [{"source": "plain", "path": os.path.join(work, "corpus"), "label": "synthetic", "corpus": {"min_pairs": 10}}],
            "methods": [{"name": "temperature", "params": {"tau": 5}}, {"name": "pcgrad"}],
            "seeds": [2], "model": {"config": "tiny"},
            "train": {"steps": 600, "batch_tokens": 400, "log_every": 10, "dev_every": 100, "checkpoint_every": 25, "threads": 1},
            "eval": {"splits": ["test"], "beam": 2, "max_pairs": 10},
            "vocab": {"size": 120, "sample_sentences": 2000},
        }
        suite_path = os.path.join(work, "faults.json")
        json.dump(suite, open(suite_path, "w"))
        lt = os.path.join(build, "longtail")

        def run(out, **kw):
            return subprocess.Popen([lt, "run", suite_path, "--out", out, "--quiet"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)

        clean = os.path.join(work, "clean")
        assert run(clean).wait() == 0, "the uninterrupted run failed"
        full = json.load(open(os.path.join(clean, "report.json")))["wall_time_s"]  # the cells' time (the data is cached now)

        faulty = os.path.join(work, "faulty")
        killed = {"driver": 0, "cell": 0}
        finished_early = 0
        for _ in range(kills):
            p = run(faulty)
            # Spread the kills over the run: each attempt makes some progress from the last checkpoint.
            time.sleep(rng.uniform(0.05, full / kills))
            if p.poll() is not None:
                finished_early += 1
                continue  # it finished before the kill
            if rng.random() < 0.5:
                os.kill(p.pid, signal.SIGKILL)
                killed["driver"] += 1
            else:
                cells = subprocess.run(["pgrep", "-f", "longtail-cell " + faulty], capture_output=True, text=True).stdout.split()
                if cells:
                    os.kill(int(cells[0]), signal.SIGKILL)
                    killed["cell"] += 1
                else:
                    os.kill(p.pid, signal.SIGKILL)
                    killed["driver"] += 1
            p.wait()
            # The driver's children die with it; give the kernel a moment, then nothing may be left.
            for _ in range(50):
                if subprocess.run(["pgrep", "-f", faulty], capture_output=True).returncode != 0:
                    break
                time.sleep(0.1)
            else:
                sys.exit("FAULTS FAILED: a process kept running after its driver was killed")
        assert run(faulty).wait() == 0, "the final re-run failed"

        def cells(out):
            report = json.load(open(os.path.join(out, "report.json")))
            return {(c["method"], c["seed"]): (c["status"], c["languages"], c.get("steps")) for c in report["cells"]}

        a, b = cells(clean), cells(faulty)
        if a != b:
            sys.exit(f"FAULTS FAILED: the report after {killed} kills differs from the uninterrupted one:\n{a}\n{b}")
        for root, _, files in os.walk(faulty):
            if "metrics.jsonl" in files:
                steps = [json.loads(l)["step"] for l in open(os.path.join(root, "metrics.jsonl")) if '"kind":"train"' in l]
                if steps != sorted(set(steps)) or steps[-1] != 600:
                    sys.exit(f"FAULTS FAILED: {root}/metrics.jsonl counts steps {steps[:12]}...: two trainers, or a lost window")
        print(f"faults: {kills} kill attempts ({killed['driver']} drivers, {killed['cell']} cells killed); "
              f"the final report equals the uninterrupted one (cells' time {full:.1f} s; {finished_early} runs ended before their kill)")
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

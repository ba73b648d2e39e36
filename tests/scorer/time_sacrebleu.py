#!/usr/bin/env python3
"""sacreBLEU 2.6.0's time for what bench_scorer_vs_sacrebleu (bench/scorer_vs_sacrebleu.cpp) and
bench_scorer measure: corpus BLEU (13a), chrF2, chrF2++ and TER of the 16 WMT17 en-de systems, and
the 13a tokenizer alone. Lines are read as the sacreBLEU CLI reads files (split on \\n, rstrip()).

Two ways of scoring the 16 systems (--mode):
  cli  what `sacrebleu REF -i SYS1 ... SYS16 -m bleu chrf ter` does: the metric is built once with
       `references=` (its _cache_references extracts the references' statistics once), then
       corpus_score(system, references=None) per system. The metric's construction is timed.
  api  metric built without references; corpus_score(system, [refs]) per system, so the
       references' statistics are extracted again for every system.
sacreBLEU memoises tokenisation (lru_cache on Tokenizer13a, TokenizerRegexp and TercomTokenizer,
65536 lines each); the caches are cleared before each repetition, so every repetition is a cold
run (within a run they work as in any sacreBLEU process). Each job is timed with
time.perf_counter() (wall) and time.process_time() (CPU of this process).

    build-scorer/sacrebleu-venv/bin/python tests/scorer/time_sacrebleu.py [--dir DIR] [--repeat 3]
        [--mode cli|api] [--only BLEU chrF2 ...] [--json]

--json prints one JSON object per job (name, wall and CPU seconds of each repetition, and the 16
corpus scores as Python floats) instead of the table.
"""
import argparse
import json
import os
import statistics
import time

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_re import TokenizerRegexp
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer


def read_cli_lines(path):
    with open(path, encoding='utf-8', newline='\n') as fh:
        return [line.rstrip() for line in fh]


def score_all(make, systems, refs, mode):
    if mode == 'cli':
        metric = make(references=[refs])
        return [metric.corpus_score(h, None).score for h in systems]
    metric = make()
    return [metric.corpus_score(h, [refs]).score for h in systems]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dir', default=os.environ.get('LONGTAIL_WMT17_DIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'data', 'wmt17-en-de')))
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--mode', choices=['cli', 'api'], default='cli')
    parser.add_argument('--only', nargs='+', help='job names to run (BLEU chrF2 chrF2++ TER tokenize13a), default all')
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    names = [n.strip() for n in open(os.path.join(args.dir, 'ORDER.txt')) if n.strip() not in ('', 'reference')]
    systems = [read_cli_lines(os.path.join(args.dir, n + '.txt')) for n in names]
    refs = read_cli_lines(os.path.join(args.dir, 'reference.txt'))
    segments = sum(len(s) for s in systems)

    tok = Tokenizer13a()
    jobs = {
        'BLEU': lambda: score_all(BLEU, systems, refs, args.mode),
        'chrF2': lambda: score_all(CHRF, systems, refs, args.mode),
        'chrF2++': lambda: score_all(lambda **kw: CHRF(word_order=2, **kw), systems, refs, args.mode),
        'TER': lambda: score_all(TER, systems, refs, args.mode),
        'tokenize13a': lambda: [len(tok(line)) for h in systems for line in h],
    }
    if not args.json:
        print(f'sacreBLEU {sacrebleu.__version__}, {len(systems)} systems, {segments} segments, mode {args.mode}, '
              f'best and median of {args.repeat}')
    for name, job in jobs.items():
        if args.only and name not in args.only:
            continue
        wall, cpu = [], []
        for _ in range(args.repeat):
            Tokenizer13a.__call__.cache_clear()
            TokenizerRegexp.__call__.cache_clear()
            TercomTokenizer.__call__.cache_clear()
            t0, c0 = time.perf_counter(), time.process_time()
            scores = job()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        if args.json:
            print(json.dumps({'job': name, 'mode': args.mode, 'segments': segments, 'wall_s': wall, 'cpu_s': cpu,
                              'scores': scores if name != 'tokenize13a' else []}), flush=True)
        else:
            best, median = min(wall), statistics.median(wall)
            print(f'{name:12s} wall best {best:7.3f} s  median {median:7.3f} s  CPU median '
                  f'{statistics.median(cpu):7.3f} s  {segments / best:10,.0f} segments/s', flush=True)


if __name__ == '__main__':
    main()

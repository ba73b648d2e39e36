#!/usr/bin/env python3
"""sacreBLEU 2.6.0's time for what bench/core/scorer.cpp measures: corpus BLEU (13a), chrF2,
chrF2++ and TER of the 16 WMT17 en-de systems, and the 13a tokenizer alone, timed with
time.perf_counter(). The scorer objects are built once and score each system with the references
passed in (no reference cache), as the C++ benchmark does. sacreBLEU memoises tokenisation twice
(lru_cache on Tokenizer13a and on TokenizerRegexp, 65536 lines each); both are cleared before each
repetition so that every repetition is a cold run, as when the harness scores a language once.
Within a run the caches still work (e.g. reference lines are tokenised once for all systems).
TER's TercomTokenizer has the same kind of cache, cleared the same way.

    build-scorer/sacrebleu-venv/bin/python tests/scorer/time_sacrebleu.py [--dir DIR] [--repeat 3]
"""
import argparse
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dir', default=os.environ.get('LONGTAIL_WMT17_DIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'data', 'wmt17-en-de')))
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--only', nargs='+', help='job names to run (e.g. TER), default all')
    args = parser.parse_args()
    names = [n.strip() for n in open(os.path.join(args.dir, 'ORDER.txt')) if n.strip() not in ('', 'reference')]
    systems = [read_cli_lines(os.path.join(args.dir, n + '.txt')) for n in names]
    refs = read_cli_lines(os.path.join(args.dir, 'reference.txt'))
    segments = sum(len(s) for s in systems)

    tok = Tokenizer13a()
    jobs = {
        'BLEU (13a)': lambda m=BLEU(): [m.corpus_score(h, [refs]) for h in systems],
        'chrF2': lambda m=CHRF(): [m.corpus_score(h, [refs]) for h in systems],
        'chrF2++': lambda m=CHRF(word_order=2): [m.corpus_score(h, [refs]) for h in systems],
        'TER': lambda m=TER(): [m.corpus_score(h, [refs]) for h in systems],
        'tokenize 13a': lambda: [tok(line) for h in systems for line in h],
    }
    print(f'sacreBLEU {sacrebleu.__version__}, {len(systems)} systems, {segments} segments, best and median of '
          f'{args.repeat}')
    for name, job in jobs.items():
        if args.only and name not in args.only:
            continue
        times = []
        for _ in range(args.repeat):
            Tokenizer13a.__call__.cache_clear()
            TokenizerRegexp.__call__.cache_clear()
            TercomTokenizer.__call__.cache_clear()
            t0 = time.perf_counter()
            job()
            times.append(time.perf_counter() - t0)
        best, median = min(times), statistics.median(times)
        print(f'{name:14s} best {best:7.3f} s  median {median:7.3f} s  {segments / best:10,.0f} segments/s')


if __name__ == '__main__':
    main()

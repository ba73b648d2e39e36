#!/usr/bin/env python3
"""`longtail score` against the sacreBLEU 2.6.0 command line, end to end, in one run: the wall time of
`sacrebleu reference.txt -i SYS1 ... SYS16 -m bleu chrf` and of `longtail score` with the same
arguments on the 16 WMT17 en-de systems (48,064 segments), process start and file reading included.
Each command runs --repeat times, the two alternating so that both see the same load; the best wall
time of each is kept, and the ratio is sacreBLEU's over longtail's. Both outputs must be identical
byte for byte (the script exits 1 otherwise).

    build/sacrebleu-venv/bin/python bench/score_cli_vs_sacrebleu.py build [--repeat 3]
        [--dir ../shared/data/wmt17-en-de] [--metrics bleu chrf] [-- EXTRA ARGS FOR BOTH]

BUILD_DIR holds `longtail` and `sacrebleu-venv/` (tests/scorer/sacrebleu_venv.sh BUILD_DIR makes
it; --sacrebleu names another `sacrebleu` executable). `longtail score` uses one thread per core
unless EXTRA ARGS give -j N. The load average (os.getloadavg) before and after is printed: other
processes on the machine slow both commands, longtail's threads more.
"""
import argparse
import os
import resource
import subprocess
import sys
import time


def timed(cmd, cwd):
    """Wall seconds, CPU seconds (user + system) and stdout of one run of cmd."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f'{cmd[0]} exited with {proc.returncode}: {proc.stderr.decode(errors="replace")}')
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('build_dir')
    parser.add_argument('--dir', default=os.environ.get('LONGTAIL_WMT17_DIR',
                                                         os.path.join(here, '..', '..', 'shared', 'data', 'wmt17-en-de')))
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--metrics', nargs='+', default=['bleu', 'chrf'])
    parser.add_argument('--sacrebleu', help='the sacrebleu executable (default: BUILD_DIR/sacrebleu-venv/bin/sacrebleu)')
    parser.add_argument('extra', nargs='*', help='more arguments for both commands (after --)')
    args = parser.parse_args()

    build = os.path.abspath(args.build_dir)
    longtail = os.path.join(build, 'longtail')
    sacrebleu = args.sacrebleu or os.path.join(build, 'sacrebleu-venv', 'bin', 'sacrebleu')
    for exe in (longtail, sacrebleu):
        if not os.access(exe, os.X_OK):
            sys.exit(f'{exe}: not found or not executable')
    data = os.path.abspath(args.dir)
    order = os.path.join(data, 'ORDER.txt')
    if not os.path.exists(order):
        sys.exit(f'{order}: not found (--dir or LONGTAIL_WMT17_DIR: the WMT17 en-de directory)')
    names = [n.strip() for n in open(order) if n.strip() not in ('', 'reference')]
    # Relative paths: both commands name the systems by the paths given, so outputs compare as they are.
    common = ['reference.txt', '-i'] + [n + '.txt' for n in names] + ['-m'] + args.metrics + args.extra
    commands = {'sacreBLEU': [sacrebleu] + common, 'longtail': [longtail, 'score'] + common}

    load_before = os.getloadavg()
    best = {name: (float('inf'), 0.0) for name in commands}
    outputs = {}
    for rep in range(args.repeat):
        for name, cmd in commands.items():
            wall, cpu, out = timed(cmd, data)
            print(f'  {name:9} run {rep + 1}: {wall:8.3f} s wall, {cpu:8.3f} s CPU', flush=True)
            if wall < best[name][0]:
                best[name] = (wall, cpu)
            outputs.setdefault(name, out)
    load_after = os.getloadavg()

    same = outputs['sacreBLEU'] == outputs['longtail']
    print(f'{len(names)} systems, metrics {" ".join(args.metrics)}, {os.cpu_count()} cores, best of {args.repeat}')
    print(f'load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after')
    for name, (wall, cpu) in best.items():
        print(f'{name:9} {wall:8.3f} s wall ({cpu:.3f} s CPU)')
    print(f'ratio     {best["sacreBLEU"][0] / best["longtail"][0]:8.1f}x  (sacreBLEU wall / longtail wall)')
    print('outputs   ' + ('identical' if same else 'DIFFER'))
    return 0 if same else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Differential test of `longtail score` against the `sacrebleu` 2.6.0 command line.

Runs both programs on the same randomly drawn invocations (metrics, formats, widths, -b, --short,
BLEU/chrF/TER options, -ci, paired bs/ar, several systems with -i or tab-separated on stdin, -nr,
-sl, SACREBLEU_FORMAT / SACREBLEU_SEED / NO_COLOR, option spellings argparse accepts, and error
cases) over small generated corpora and WMT17 en-de subsets, and compares standard output byte
for byte and the exit status; when both fail, longtail must have written nothing to stdout and a
message to stderr.

sacreBLEU runs through a tiny wrapper that lets `json` write NumPy floats as floats: sacreBLEU
2.6.0 with NumPy 2 crashes when printing paired bootstrap results as JSON (float32 is not JSON
serializable), and longtail prints what it would print otherwise. The wrapper changes nothing
else (json only calls `default` for objects it cannot serialize).

Usage: diff_cli.py --python VENV/bin/python --longtail BUILD/longtail [--cases N] [--seed S]
                   [--wmt17 DIR] [--jobs J] [--keep DIR]
"""
import argparse
import concurrent.futures
import gzip
import os
import random
import shutil
import subprocess
import sys
import tempfile

WRAPPER = r'''
import json, sys
import numpy
_default = json.JSONEncoder.default
def _numpy_default(self, o):
    if isinstance(o, numpy.floating):
        return float(o)
    return _default(self, o)
json.JSONEncoder.default = _numpy_default
sys.argv[0] = "sacrebleu"
from sacrebleu.sacrebleu import main
main()
'''

WORDS = ("the a of to and in is that for it with as was on be by at this are from or have an they which one "
         "you had not but what all were when we there can more if no out so said up its about into than them "
         "Haus Straße Größe naïve café résumé Ωμέγα ΣΟΦΙΑ İstanbul ß fi 北京 大学 東京 日本語 한국어 сегодня "
         "Москва 2019 3.5 1,000 10-15 U.S. e-mail it's don't (hi) [x] \"quote\" ok! what? a,b x.y").split()
PUNCT = [".", ",", "!", "?", ";", ":", "-", "'", "\"", "(", ")", "%", "&amp;", "…", "。", "，"]


def sentence(rng, base=None):
    if base is not None and rng.random() < 0.7:
        words = base.split()
        out = []
        for w in words:
            r = rng.random()
            if r < 0.12:
                continue
            if r < 0.22:
                out.append(rng.choice(WORDS))
            elif r < 0.27:
                out.append(w.upper())
            else:
                out.append(w)
            if rng.random() < 0.05:
                out.append(rng.choice(WORDS))
        if rng.random() < 0.3 and len(out) > 2:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        s = " ".join(out)
    else:
        n = rng.choice([0, 1, 2, 3, 5, 8, 12, 20])
        s = " ".join(rng.choice(WORDS) for _ in range(n))
    if rng.random() < 0.4:
        s += rng.choice(PUNCT)
    if rng.random() < 0.05:
        s = "  " + s + " \u00a0"
    return s


def write(path, lines, newline="\n", final=True):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(newline.join(lines) + (newline if final and lines else ""))


class Corpus:
    """A reference stream set and systems, as files in `dirname`."""

    def __init__(self, dirname, refs, systems, names):
        self.dir, self.refs, self.systems, self.names = dirname, refs, systems, names


def make_generated(rng, dirname):
    n = rng.choice([1, 1, 2, 3, 4, 6, 8, 12])
    nrefs = rng.choice([1, 1, 1, 2, 3])
    base = [sentence(rng) for _ in range(n)]
    refs = [[sentence(rng, b) if k else b for b in base] for k in range(nrefs)]
    nsys = rng.choice([1, 2, 2, 3, 4])
    systems = [[sentence(rng, b) for b in base] for _ in range(nsys)]
    if rng.random() < 0.2:  # a system identical to the reference
        systems[-1] = list(refs[0])
    os.makedirs(dirname, exist_ok=True)
    for k, r in enumerate(refs):
        write(os.path.join(dirname, f"ref{k}.txt"), r, rng.choice(["\n", "\n", "\r\n"]), rng.random() < 0.9)
    names = []
    for k, s in enumerate(systems):
        name = rng.choice([f"sys{k}.txt", f"hyp-{k}", f"{k + 1}", f"out {k}.de", f"Baseline:{k}", f"{k}.5"])
        if name in names:
            name = f"s{k}.txt"
        write(os.path.join(dirname, name), s, rng.choice(["\n", "\n", "\r\n"]), rng.random() < 0.9)
        names.append(name)
    return Corpus(dirname, refs, systems, names)


def make_wmt17(rng, dirname, wmt17):
    files = sorted(f for f in os.listdir(wmt17) if f.startswith("newstest2017."))
    with open(os.path.join(wmt17, "reference.txt"), encoding="utf-8", newline="\n") as f:
        ref = [line.rstrip("\n") for line in f]
    n = rng.choice([20, 50, 100, 200])
    start = rng.randrange(0, len(ref) - n)
    os.makedirs(dirname, exist_ok=True)
    write(os.path.join(dirname, "ref0.txt"), ref[start:start + n])
    names, systems = [], []
    for fname in rng.sample(files, rng.choice([1, 2, 3, 4])):
        with open(os.path.join(wmt17, fname), encoding="utf-8", newline="\n") as f:
            lines = [line.rstrip("\n") for line in f][start:start + n]
        write(os.path.join(dirname, fname), lines)
        names.append(fname)
        systems.append(lines)
    return Corpus(dirname, [ref[start:start + n]], systems, names)


def spell(rng, long, short=None):
    """One of the spellings argparse accepts for an option: long, short, or a unique prefix."""
    if short and rng.random() < 0.5:
        return short
    if rng.random() < 0.15:
        abbrev = {"--metrics": "--metr", "--width": "--wid", "--format": "--form", "--quiet": "--qui",
                  "--short": "--sho", "--score-only": "--score", "--tokenize": "--tok", "--lowercase": "--lower",
                  "--confidence-n": "--confidence-", "--paired-bs-n": "--paired-bs-", "--smooth-method": "--smooth-m",
                  "--sentence-level": "--sent", "--num-refs": "--num", "--input": "--inp"}.get(long)
        if abbrev:
            return abbrev
    return long


def value_opt(rng, args, long, short, value):
    name = spell(rng, long, short)
    r = rng.random()
    if r < 0.15:
        args.append(f"{name}={value}")
    elif r < 0.25 and name == short and len(short) == 2:
        args.append(f"{name}{value}")
    else:
        args += [name, str(value)]


def draw_case(rng, corpus, wmt):
    """An invocation: (args, env, stdin bytes or None, description)."""
    env = {}
    args = []
    refs = [f"ref{k}.txt" for k in range(len(corpus.refs))]
    nsys_avail = len(corpus.systems)
    mode = rng.choices(["single", "multi", "stdin", "paired", "ci", "sentence", "nr", "error"],
                       [22, 16, 12, 14, 12, 8, 8, 10])[0]
    metrics = rng.sample(["bleu", "chrf", "ter"], rng.choice([1, 1, 2, 3]))
    if wmt and "ter" in metrics and mode in ("paired", "ci", "sentence"):
        metrics.remove("ter") if len(metrics) > 1 else None
    if mode == "sentence":
        metrics = metrics[:1]
    stdin = None
    use_refs = list(refs)
    if mode == "nr" and len(corpus.refs) > 1:
        # All references tab-separated in one file.
        lines = ["\t".join(r[i] for r in corpus.refs) for i in range(len(corpus.refs[0]))]
        write(os.path.join(corpus.dir, "refs.tsv"), lines)
        use_refs = ["refs.tsv"]
        value_opt(rng, args, "--num-refs", "-nr", len(corpus.refs))
    elif mode == "nr":
        mode = "single"
    if use_refs == refs and rng.random() < 0.06:  # sacreBLEU's smart_open reads .gz files
        with open(os.path.join(corpus.dir, refs[0]), "rb") as f, gzip.open(os.path.join(corpus.dir, "ref0.txt.gz"), "wb") as g:
            g.write(f.read())
        use_refs = ["ref0.txt.gz"] + refs[1:]
    args = use_refs + args
    systems = list(range(nsys_avail))
    if mode in ("single", "ci", "sentence", "nr"):
        systems = [rng.randrange(nsys_avail)]
    elif mode in ("multi", "paired"):
        if nsys_avail < 2:
            mode = "single"
        systems = rng.sample(range(nsys_avail), max(1, min(nsys_avail, rng.choice([2, 2, 3, 4]))))
    if mode == "stdin":
        systems = rng.sample(range(nsys_avail), min(nsys_avail, rng.choice([1, 1, 2, 3])))
        nl = rng.choice(["\n", "\n", "\r\n", "\r"])
        rows = ["\t".join(corpus.systems[k][i] for k in systems) for i in range(len(corpus.refs[0]))]
        stdin = (nl.join(rows) + (nl if rng.random() < 0.8 else "")).encode("utf-8")
        if len(systems) > 1 and rng.random() < 0.3:
            mode = "paired"
    else:
        args.append(spell(rng, "--input", "-i"))
        args += [corpus.names[k] for k in systems]
        if mode == "paired" and rng.random() < 0.15:
            args.append(corpus.names[systems[0]])  # the baseline again: skipped
    args.append(spell(rng, "--metrics", "-m"))
    args += metrics
    if mode == "paired":
        if rng.random() < 0.5:
            args.append(spell(rng, "--paired-bs", "-pbs"))
            value_opt(rng, args, "--paired-bs-n", "-pbsn", rng.choice([5, 20, 50, 100] if not wmt else [10, 30]))
        else:
            args.append(spell(rng, "--paired-ar", "-par"))
            value_opt(rng, args, "--paired-ar-n", "-parn", rng.choice([5, 20, 100, 500] if not wmt else [20, 100]))
        if rng.random() < 0.2:
            value_opt(rng, args, "--paired-jobs", "-j", rng.choice([1, 2]))
    if mode == "ci":
        args.append(spell(rng, "--confidence", "-ci"))
        value_opt(rng, args, "--confidence-n", "-cin", rng.choice([1, 2, 10, 40, 100]))
    if mode == "sentence":
        args.append(spell(rng, "--sentence-level", "-sl"))
    if mode in ("ci", "paired") and rng.random() < 0.4:
        env["SACREBLEU_SEED"] = rng.choice(["7", "42", "007", " 12 ", "123456789012345678901234567890"] +
                                           (["0"] if mode == "ci" else []))

    # Reporting.
    r = rng.random()
    if r < 0.3:
        value_opt(rng, args, "--format", "-f", rng.choice(["json", "text", "latex"]))
    elif r < 0.45:
        env["SACREBLEU_FORMAT"] = rng.choice(["text", "TEXT", "latex", "json", "bogus"])
    if rng.random() < 0.5:
        value_opt(rng, args, "--width", "-w", rng.choice([0, 1, 2, 3, 4, 6]))
    for long, short, p in [("--score-only", "-b", 0.2), ("--short", "-sh", 0.25), ("--quiet", "-q", 0.5),
                           ("--no-color", "-nc", 0.15), ("--detail", "-d", 0.05)]:
        if rng.random() < p:
            args.append(spell(rng, long, short))
    if rng.random() < 0.15:
        env["NO_COLOR"] = rng.choice(["1", ""])

    # Metric options.
    if "bleu" in metrics:
        if rng.random() < 0.3:
            value_opt(rng, args, "--tokenize", "-tok", rng.choice(["13a", "none", "intl", "zh", "char"]))
        if rng.random() < 0.15:
            value_opt(rng, args, "--language-pair", "-l", rng.choice(["en-de", "en-zh", "de-en", "zh-en"]))
        if rng.random() < 0.2:
            args.append(spell(rng, "--lowercase", "-lc"))
        if rng.random() < 0.25:
            method = rng.choice(["exp", "floor", "add-k", "none"])
            value_opt(rng, args, "--smooth-method", "-s", method)
            if rng.random() < 0.5:
                value_opt(rng, args, "--smooth-value", "-sv", rng.choice(["0.01", "0.25", "1", "2", "3"]))
        if rng.random() < 0.05:
            args.append("--force")
    if "chrf" in metrics:
        if rng.random() < 0.25:
            value_opt(rng, args, "--chrf-char-order", "-cc", rng.choice([1, 3, 6, 7]))
        if rng.random() < 0.3:
            value_opt(rng, args, "--chrf-word-order", "-cw", rng.choice([0, 1, 2, 3]))
        if rng.random() < 0.15:
            args += ["--chrf-beta", str(rng.choice([0, 1, 2, 3]))]
        for flag in ["--chrf-whitespace", "--chrf-lowercase", "--chrf-eps-smoothing"]:
            if rng.random() < 0.15:
                args.append(flag)
    if "ter" in metrics:
        for flag in ["--ter-case-sensitive", "--ter-asian-support", "--ter-no-punct", "--ter-normalized"]:
            if rng.random() < 0.2:
                args.append(flag)

    if mode == "error":
        args, env, stdin = draw_error(rng, corpus, args, env, stdin)
        if rng.random() < 0.05:
            mode = "known"
            args = ["ref0.txt", "-i", corpus.names[0], rng.choice(KNOWN_DIFFERENCES)]
            if args[-1] == "-e":
                args.append(rng.choice(["latin-1", "ascii", "utf-16"]))
    return args, env, stdin, mode


# Documented differences (docs/score-cli.md): longtail must fail cleanly (status 1, message, no
# stdout) where sacreBLEU decodes other codecs or lists/downloads test sets.
KNOWN_DIFFERENCES = ["-e", "--list"]


def draw_error(rng, corpus, args, env, stdin):
    kind = rng.choice(["mismatch", "missing", "utf8", "unknown_flag", "unknown_tok", "ambiguous", "sl_two",
                       "paired_one", "ci_multi", "testset", "nr_fields", "stdin_fields", "bad_int", "both_paired",
                       "no_refs", "empty_input", "bad_choice", "version", "duplicate", "bad_seed", "bad_lang",
                       "neg_width", "encoding", "glued_flags", "refs_after_i"])
    d = corpus.dir
    hyp = corpus.names[0]
    ref = "ref0.txt"
    if kind == "mismatch":
        write(os.path.join(d, "short.txt"), corpus.systems[0][:-1] or ["x", "y"])
        return [ref, "-i", "short.txt"], env, None
    if kind == "missing":
        return [ref, "-i", "does-not-exist.txt"], env, None
    if kind == "utf8":
        with open(os.path.join(d, "bad.txt"), "wb") as f:
            f.write(b"ok\n" * (len(corpus.refs[0]) - 1) + b"bad \xff\xfe byte\n")
        return [ref, "-i", "bad.txt"] if rng.random() < 0.5 else ["bad.txt", "-i", hyp], env, None
    if kind == "unknown_flag":
        return [ref, "-i", hyp, rng.choice(["--bogus", "-x", "-cix", "--metrics-x"])], env, None
    if kind == "unknown_tok":
        return [ref, "-i", hyp, "-tok", rng.choice(["13b", "moses", "ja-mecab"])], env, None
    if kind == "ambiguous":
        return [ref, "-i", hyp, rng.choice(["-c", "-p", "-pa", "--chrf-w", "--ci", "--paired"])], env, None
    if kind == "sl_two":
        return [ref, "-i", hyp, "-sl", "-m", "bleu", "chrf"], env, None
    if kind == "paired_one":
        return [ref, "-i", hyp, "-pbs"], env, None
    if kind == "ci_multi":
        if len(corpus.names) < 2:
            return [ref, "-i", hyp, hyp, "-ci"], env, None
        return [ref, "-i", corpus.names[0], corpus.names[1], "-ci"], env, None
    if kind == "testset":
        return ["-t", "no-such-test-set", "-l", "en-de"], env, b"x\n"
    if kind == "nr_fields":
        write(os.path.join(d, "tsv.txt"), [r + ("\tsecond" if i else "") for i, r in enumerate(corpus.refs[0])])
        return ["tsv.txt", "-nr", "2", "-i", hyp], env, None
    if kind == "stdin_fields":
        rows = [s + "\t" + s for s in corpus.systems[0]]
        rows[-1] = corpus.systems[0][-1] + ("\t" if len(rows) == 1 else "")
        if len(rows) == 1:
            rows.append("extra")
        return [ref], env, ("\n".join(rows) + "\n").encode()
    if kind == "bad_int":
        return [ref, "-i", hyp, rng.choice(["-w", "-nr", "-cin", "-cc"]), rng.choice(["x", "1.5", ""])], env, None
    if kind == "both_paired":
        return [ref, "-i", hyp, hyp + "", "-pbs", "-par"], env, None
    if kind == "no_refs":
        return ["-i", hyp], env, None
    if kind == "empty_input":
        return [ref, "-i", "-m", "bleu", "-f", rng.choice(["json", "text"])], env, None
    if kind == "bad_choice":
        return [ref, "-i", hyp, rng.choice(["-m", "-f", "-s"]), "bogus"], env, None
    if kind == "version":
        return [ref, rng.choice(["-V", "--version", "--vers"])], env, None
    if kind == "duplicate":
        return [ref, "-i", hyp, hyp], env, None
    if kind == "bad_seed":
        env["SACREBLEU_SEED"] = rng.choice(["abc", "-5", "1.5"])
        return [ref, "-i", hyp, "-ci", "-cin", "5"], env, None
    if kind == "bad_lang":
        return [ref, "-i", hyp, "-l", "en"], env, None
    if kind == "neg_width":
        return [ref, "-i", hyp, "-w", "-1"] + rng.choice([[], ["-f", "text"], ["-b"]]), env, None
    if kind == "encoding":  # other codecs are a documented difference (see KNOWN_DIFFERENCES)
        return [ref, "-i", hyp, "-e", rng.choice(["UTF8", "utf_8", "U8", "utf-8", "UTF-8"])], env, None
    if kind == "glued_flags":
        return [ref, "-i", hyp, rng.choice(["-qb", "-bq", "-qx", "-w2", "-mchrf", "-ltx"])], env, None
    if kind == "refs_after_i":
        return ["-i", hyp, ref], env, None
    return args, env, stdin


def run(cmd, cwd, env, stdin):
    full_env = {k: v for k, v in os.environ.items() if k not in ("SACREBLEU_SEED", "SACREBLEU_FORMAT", "NO_COLOR")}
    full_env.update(env)
    p = subprocess.run(cmd, cwd=cwd, env=full_env, input=stdin if stdin is not None else b"",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", required=True, help="python of the sacreBLEU 2.6.0 virtualenv")
    ap.add_argument("--longtail", required=True, help="the longtail executable")
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wmt17", default=None, help="WMT17 en-de directory (skipped if missing)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="keep the work directory here")
    opts = ap.parse_args()

    work = opts.keep or tempfile.mkdtemp(prefix="longtail-diff-cli-")
    os.makedirs(work, exist_ok=True)
    wrapper = os.path.join(work, "sacrebleu_numpy_json.py")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    longtail = os.path.abspath(opts.longtail)
    opts.python = os.path.abspath(opts.python)
    have_wmt = opts.wmt17 and os.path.isdir(opts.wmt17)
    if not have_wmt:
        print(f"note: WMT17 data not found ({opts.wmt17}); generated corpora only")

    rng = random.Random(opts.seed)
    cases = []
    for i in range(opts.cases):
        wmt = have_wmt and rng.random() < 0.25
        cdir = os.path.join(work, f"case{i:05d}")
        corpus = make_wmt17(rng, cdir, opts.wmt17) if wmt else make_generated(rng, cdir)
        args, env, stdin, mode = draw_case(rng, corpus, wmt)
        cases.append((i, cdir, args, env, stdin, mode, wmt))

    def check(case):
        i, cdir, args, env, stdin, mode, wmt = case
        rc_l, out_l, err_l = run([longtail, "score"] + args, cdir, env, stdin)
        problems = []
        if mode == "known":
            if rc_l != 1 or out_l or not err_l.strip():
                problems.append(f"documented difference: expected status 1, a message and no stdout; got {rc_l}")
            return case, 1, problems
        rc_s, out_s, err_s = run([opts.python, wrapper] + args, cdir, env, stdin)
        if rc_s == 0 and out_s.startswith(b"sacrebleu 2.6.0"):
            out_s = out_s.replace(b"sacrebleu 2.6.0", b"longtail score 2.6.0", 1)
        if rc_s != rc_l:
            problems.append(f"exit status: sacrebleu {rc_s}, longtail {rc_l}")
        if rc_s == 0 and out_s != out_l:
            k = first_difference(out_s, out_l)
            problems.append(f"stdout differs at byte {k}:\n--- sacrebleu\n{out_s.decode(errors='replace')}"
                            f"\n--- longtail\n{out_l.decode(errors='replace')}")
        if rc_s != 0 and (out_l or not err_l.strip()):
            problems.append("on error longtail must write nothing to stdout and a message to stderr")
        if problems:
            problems.append("sacrebleu stderr: " + err_s.decode(errors="replace")[-800:])
            problems.append("longtail stderr: " + err_l.decode(errors="replace")[-400:])
        return case, rc_s, problems

    failures = 0
    by_mode = {}
    errors = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        for case, rc, problems in pool.map(check, cases):
            i, cdir, args, env, stdin, mode, wmt = case
            key = mode + (" (WMT17)" if wmt else "")
            by_mode[key] = by_mode.get(key, 0) + 1
            errors += rc != 0
            if problems:
                failures += 1
                env_s = " ".join(f"{k}={v!r}" for k, v in env.items())
                print(f"MISMATCH case {i} [{mode}] in {cdir}: {env_s} longtail score {' '.join(map(repr, args))}"
                      + (f" < stdin {stdin[:200]!r}" if stdin is not None else ""))
                for p in problems:
                    print("  " + p.replace("\n", "\n  "))
    summary = ", ".join(f"{k} {v}" for k, v in sorted(by_mode.items()))
    known = by_mode.get("known", 0) + by_mode.get("known (WMT17)", 0)
    compared = len(cases) - known
    print(f"{len(cases)} invocations ({summary}; {errors} expected failures): {compared} compared with sacrebleu, "
          f"{known} documented differences checked; {failures} mismatches")
    if not opts.keep and failures == 0:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

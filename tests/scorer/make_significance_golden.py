#!/usr/bin/env python3
"""Golden data for eval/scorer/significance.{h,cpp}: sacreBLEU 2.6.0's bootstrap confidence
intervals (`corpus_score(..., n_bootstrap=N)`) and paired tests (`PairedTest`, bs and ar), for
BLEU and chrF, with the default seed and with SACREBLEU_SEED set.

The numbers depend on NumPy's scalar promotion rules (float32 statistics in the bootstrap paths),
so the file records the NumPy version it was made with; run it with both a NumPy 2 and a NumPy 1
environment:

    build-sig/venv/bin/python     tests/scorer/make_significance_golden.py   # numpy 2.x
    build-sig/venv-np1/bin/python tests/scorer/make_significance_golden.py   # numpy 1.26.x

-> tests/data/scorer/significance_golden_numpy{2,1}.json. Floats are stored as repr() strings
(float32 values widened exactly to Python floats); `type` records what sacreBLEU held.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest, _bootstrap_resample, estimate_ci
from sacrebleu.utils import Color, _format_score_lines

Color.ENABLE_COLORS = False
WMT17 = os.environ.get('LONGTAIL_WMT17_DIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'data', 'wmt17-en-de'))
WMT17_SYSTEMS = ['newstest2017.LIUM-NMT.4900.en-de.txt', 'newstest2017.online-A.0.en-de.txt',
                 'newstest2017.online-B.0.en-de.txt']


def r(x):
    return None if x is None else repr(float(x))


def tname(x):
    return type(x).__name__


def set_seed(seed):
    if seed is None:
        os.environ.pop('SACREBLEU_SEED', None)
    else:
        os.environ['SACREBLEU_SEED'] = seed


# ---- metrics -------------------------------------------------------------------------------

METRICS = {
    'bleu': {'kind': 'bleu', 'args': {}},
    'bleu-floor-eff': {'kind': 'bleu', 'args': {'smooth_method': 'floor', 'effective_order': True}},
    'bleu-addk': {'kind': 'bleu', 'args': {'smooth_method': 'add-k'}},
    'bleu-none-lc': {'kind': 'bleu', 'args': {'smooth_method': 'none', 'lowercase': True}},
    'chrf': {'kind': 'chrf', 'args': {}},
    'chrf++': {'kind': 'chrf', 'args': {'word_order': 2}},
    'chrf-eps-b3': {'kind': 'chrf', 'args': {'eps_smoothing': True, 'beta': 3}},
}


def make_metric(name):
    m = METRICS[name]
    return (BLEU if m['kind'] == 'bleu' else CHRF)(**m['args'])


# ---- corpora -------------------------------------------------------------------------------

SMALL = {
    'news': {
        'refs': [[
            'The dog bit the man.',
            'It was not unexpected.',
            'The man bit him first.',
            'Prices rose by 3.5% in the third quarter, the bank said on Tuesday.',
            'She has lived in Berlin since 2019 and works as a translator.',
            'No one expected the match to end in a draw.',
            'The committee will publish its findings next month.',
            'Heavy rain caused flooding in several villages.',
        ]],
        'systems': [
            ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.',
             'Prices went up 3.5 % in the third quarter, said the bank on Tuesday.',
             'She lives in Berlin since 2019 and is working as translator.',
             'Nobody expected that the match ends with a draw.',
             'The committee is going to publish its results next month.',
             'Strong rain led to floods in some villages.'],
            ['The dog bites the man.', 'It was not unexpected.', 'The man bit him first.',
             'Prices rose by 3.5% in the third quarter, the bank said Tuesday.',
             'She has been living in Berlin since 2019 and works as a translator.',
             'No one expected the game to end in a draw.',
             'The committee publishes its findings next month.',
             'Heavy rain has caused flooding in several villages.'],
            ['A dog man bit.', 'Not unexpected it was.', 'Him first the man bit.',
             'Quarter prices bank rose.', 'Berlin translator.', 'Draw.', 'Findings.', 'Rain villages flood.'],
        ],
    },
    # Segments without any match: many resamples score 0 (BLEU's early exit, chrF's bare 0.0).
    'sparse': {
        'refs': [['abc def ghi', 'the cat sat on the mat', 'zzz']],
        'systems': [
            ['xyz uvw', 'the cat sat on a mat', 'qqq'],
            ['jkl', 'a cat is on the mat', 'zzz'],
            ['abc def ghi', 'mat', 'www'],
        ],
    },
    'two-refs': {
        'refs': [
            ['Das Haus ist klein.', 'Er kommt morgen zurück.', 'Wir haben keine Zeit mehr.', 'Die Katze schläft.'],
            ['Das Haus ist winzig.', 'Morgen kommt er wieder.', 'Uns bleibt keine Zeit.', 'Die Katze schläft gerade.'],
        ],
        'systems': [
            ['Das Haus ist klein.', 'Er kommt morgen wieder.', 'Wir haben keine Zeit.', 'Katze schläft.'],
            ['Das kleine Haus.', 'Morgen er kommt zurück.', 'Keine Zeit mehr haben wir.', 'Die Katze schläft gerade.'],
            ['Haus.', 'Er.', 'Zeit.', 'Die Katze.'],
        ],
    },
}


def read_lines(path):
    with open(path, encoding='utf-8', newline='\n') as f:
        return [line.rstrip() for line in f]


# ---- single-system CI ----------------------------------------------------------------------

def single_ci(metric_name, hyps, refs, n, seed, with_scores=False):
    set_seed(seed)
    metric = make_metric(metric_name)
    try:
        score = metric.corpus_score(hyps, refs, n_bootstrap=n)
        error = None
    except TypeError as e:
        # NumPy 2: chrF scores of resamples without any match are Python floats, the others
        # float32, and statistics.mean() cannot mix them. Record the error, the CI (set before
        # the mean) and the exact mean of the values as floats (what the C++ code returns).
        error = str(e)
        stats = metric._extract_corpus_statistics(hyps, refs)
        score = metric._aggregate_and_compute(stats)
        _, bs = _bootstrap_resample(stats, metric, n)
        raw = sorted(x.score for x in bs)
        lo = len(raw) // 40
        score._ci = 0.5 * (raw[len(raw) - lo - 1] - raw[lo])
        score._mean = statistics.mean(float(x) for x in raw)
    sig = metric.get_signature()
    out = {
        'metric': metric_name, 'n': n, 'seed': seed,
        'score': r(score.score), 'mean': r(score._mean), 'ci': r(score._ci),
        'mean_type': tname(score._mean), 'error': error,
        'signature': sig.format(), 'signature_short': sig.format(short=True),
        'line2': score.format(width=2),
        'line1_sig': score.format(width=1, signature=sig.format(short=True)),
    }
    if with_scores or error:
        stats = metric._extract_corpus_statistics(hyps, refs)
        _, bs = _bootstrap_resample(stats, metric, n)
        out['scores'] = [r(x.score) for x in bs]
        out['score_types'] = sorted({tname(x.score) for x in bs})
    return out


# ---- paired tests --------------------------------------------------------------------------

def paired(metric_names, systems, refs, test_type, n_samples, n_ar_confidence, seed):
    """One PairedTest per metric (sacreBLEU keys results by score name, so two BLEU variants
    cannot share a test; the RNG is re-seeded per system, so the numbers are the same)."""
    out = {'metrics': metric_names, 'test': test_type, 'n_samples': n_samples,
           'n_ar_confidence': n_ar_confidence, 'seed': seed, 'results': {}}
    t0 = time.time()
    for name in metric_names:
        set_seed(seed)
        named = [(f'sys{i}', hyps) for i, hyps in enumerate(systems)]
        pt = PairedTest(named, {name: make_metric(name)}, refs, test_type=test_type, n_samples=n_samples,
                        n_ar_confidence=n_ar_confidence)
        sigs, scores = pt()
        key = [k for k in scores if k != 'System'][0]
        results = scores[key]
        lines1 = _format_score_lines({k: list(v) for k, v in scores.items()}, width=1, multiline=True)
        lines2 = _format_score_lines({k: list(v) for k, v in scores.items()}, width=2, multiline=False)
        header = [h for h in lines1 if h != 'System'][0]
        out['results'][name] = {
            'score_name': key,
            'signature': sigs[key].format(), 'signature_short': sigs[key].format(short=True),
            'header': header,
            'results': [{'score': r(x.score), 'p_value': r(x.p_value), 'mean': r(x.mean), 'ci': r(x.ci),
                         'mean_type': tname(x.mean)} for x in results],
            'cells1': lines1[header], 'cells2': lines2[[h for h in lines2 if h != 'System'][0]],
        }
    out['seconds'] = round(time.time() - t0, 2)
    return out


# ---- synthetic statistics (large counts: float32 rounding of the sums) ---------------------

class StatsBLEU(BLEU):
    """BLEU whose 'hypotheses' are keys into a table of ready-made segment statistics."""
    table = {}

    def _extract_corpus_statistics(self, hypotheses, references):
        self.num_refs = 1
        return StatsBLEU.table[hypotheses[0]]


class StatsCHRF(CHRF):
    table = {}

    def _extract_corpus_statistics(self, hypotheses, references):
        self.num_refs = 1
        return StatsCHRF.table[hypotheses[0]]


def synthetic():
    rng = np.random.default_rng(99)
    out = []
    n_seg = 40
    for kind, cls, width in [('bleu', StatsBLEU, 10), ('chrf', StatsCHRF, 18)]:
        systems = []
        for s in range(3):
            rows = []
            for i in range(n_seg):
                if kind == 'bleu':
                    hyp = int(rng.integers(1_000_000, 3_000_000))
                    ref = hyp + int(rng.integers(-200_000, 200_000))
                    tot = [hyp - k for k in range(4)]
                    cor = [int(t * rng.uniform(0.1, 0.7)) for t in tot]
                    rows.append([hyp, ref] + cor + tot)
                else:
                    row = []
                    for o in range(6):
                        h = int(rng.integers(1_000_000, 20_000_000)) + (1 if o == 0 and i == 0 else 0)
                        rf = int(rng.integers(1_000_000, 20_000_000))
                        m = int(min(h, rf) * rng.uniform(0.2, 0.9))
                        row += [h, rf, m]
                    rows.append(row)
            if kind == 'chrf' and s == 0:
                rows[0][0] = 16777217  # not a float32
            key = f'{kind}{s}'
            cls.table[key] = rows
            systems.append(rows)
        for test_type, n in [('bs', 300), ('ar', 300)]:
            set_seed(None)
            metric = cls()
            named = [(f'{kind}{s}', [f'{kind}{s}'] * n_seg) for s in range(3)]
            pt = PairedTest(named, {'m': metric}, None, test_type=test_type, n_samples=n,
                            n_ar_confidence=100 if test_type == 'ar' else -1)
            sigs, scores = pt()
            key = [k for k in scores if k != 'System'][0]
            res = [{'score': r(x.score), 'p_value': r(x.p_value), 'mean': r(x.mean), 'ci': r(x.ci)}
                   for x in scores[key]]
            # the single-system CI path on the same statistics
            m2 = cls()
            _, bs = _bootstrap_resample(systems[0], m2, 200)
            out.append({'metric': kind, 'test': test_type, 'n_samples': n, 'stats': systems, 'results': res,
                        'ci_scores': [r(x.score) for x in bs]})
    return out


# ---- seed parsing ---------------------------------------------------------------------------

def seed_texts():
    out = []
    for text in ['12345', '0', '7', ' 42 ', '+7', '1_000', '007', '-0', '-1', 'abc', '', 'None', 'NONE', 'nOnE',
                 ' none', '1__0', '_1', '1.5', '18446744073709551616', '\t9\n']:
        entry = {'text': text, 'none': text.lower() == 'none'}
        if not entry['none']:
            try:
                entry['int'] = str(int(text))
            except ValueError as e:
                entry['error'] = str(e)
        out.append(entry)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true', help='skip the WMT17 runs')
    args = ap.parse_args()
    major = np.__version__.split('.')[0]
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = os.path.join(here, '..', 'data', 'scorer', f'significance_golden_numpy{major}.json')
    t0 = time.time()

    data = {'numpy_version': np.__version__, 'sacrebleu_version': sacrebleu.__version__,
            'python_version': sys.version.split()[0], 'seeds': seed_texts(), 'small': [], 'wmt17': {}}

    for cname, corpus in SMALL.items():
        entry = {'name': cname, 'refs': corpus['refs'], 'systems': corpus['systems'], 'ci': [], 'paired': []}
        hyps = corpus['systems'][0]
        for metric in METRICS:
            entry['ci'].append(single_ci(metric, hyps, corpus['refs'], 200, None, with_scores=True))
        for metric in ['bleu', 'chrf']:
            entry['ci'].append(single_ci(metric, hyps, corpus['refs'], 1000, None))
            entry['ci'].append(single_ci(metric, hyps, corpus['refs'], 100, '7'))
            entry['ci'].append(single_ci(metric, hyps, corpus['refs'], 100, '0'))
            entry['ci'].append(single_ci(metric, hyps, corpus['refs'], 50, '123456789012345678901234567890'))
        names = list(METRICS)
        entry['paired'].append(paired(names, corpus['systems'], corpus['refs'], 'bs', 200, -1, None))
        entry['paired'].append(paired(names, corpus['systems'], corpus['refs'], 'ar', 500, -1, None))
        entry['paired'].append(paired(['bleu', 'chrf'], corpus['systems'], corpus['refs'], 'bs', 0, -1, None))
        entry['paired'].append(paired(['bleu', 'chrf'], corpus['systems'], corpus['refs'], 'ar', 300, 0, '11'))
        entry['paired'].append(paired(['bleu', 'chrf'], corpus['systems'], corpus['refs'], 'ar', 300, 40, None))
        entry['paired'].append(paired(['bleu', 'chrf'], corpus['systems'], corpus['refs'], 'bs', 100, -1, '3'))
        data['small'].append(entry)

    # SACREBLEU_SEED=0 and none: the paired tests' systems draw from OS entropy, so only the
    # deterministic parts (signature, baseline, scores) are recorded.
    corpus = SMALL['news']
    for seed in ['0', 'None']:
        p = paired(['bleu'], corpus['systems'], corpus['refs'], 'bs', 50, -1, seed)
        res = p['results']['bleu']
        data.setdefault('nondeterministic', []).append({
            'seed': seed, 'test': 'bs', 'n_samples': 50, 'signature': res['signature'],
            'signature_short': res['signature_short'],
            'baseline': res['results'][0] if seed == '0' else None,
            'scores': [x['score'] for x in res['results']]})
    set_seed('None')
    m = BLEU()
    m.corpus_score(corpus['systems'][0], corpus['refs'], n_bootstrap=20)
    data['nondeterministic'].append({'seed': 'None', 'test': 'ci', 'signature': m.get_signature().format()})

    data['synthetic'] = synthetic()

    if not args.quick:
        refs = [read_lines(os.path.join(WMT17, 'reference.txt'))]
        systems = [read_lines(os.path.join(WMT17, f)) for f in WMT17_SYSTEMS]
        w = {'files': WMT17_SYSTEMS, 'ci': [], 'paired': []}
        for i, hyps in enumerate(systems):
            for metric in ['bleu', 'chrf']:
                c = single_ci(metric, hyps, refs, 1000, None)
                c['system'] = i
                w['ci'].append(c)
        c = single_ci('chrf', systems[1], refs, 1000, '42')
        c['system'] = 1
        w['ci'].append(c)
        w['paired'].append(paired(['bleu', 'chrf'], systems, refs, 'bs', 0, -1, None))       # defaults: 1000
        w['paired'].append(paired(['bleu', 'chrf'], systems, refs, 'ar', 0, -1, None))       # defaults: 10000
        w['paired'].append(paired(['bleu', 'chrf'], systems, refs, 'ar', 1000, 0, '42'))
        w['paired'].append(paired(['bleu', 'chrf'], systems, refs, 'bs', 300, -1, '42'))
        data['wmt17'] = w

    set_seed(None)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print(f'wrote {out_path} (numpy {np.__version__}, {time.time() - t0:.1f} s)')


if __name__ == '__main__':
    main()

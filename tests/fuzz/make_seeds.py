#!/usr/bin/env python3
"""Seed corpus for fuzz_scorer from the golden data (tests/data/scorer/golden.json).

Every golden BLEU, chrF and TER corpus becomes one input with its options in the header (see
fuzz_scorer.cpp for the format), every golden tokenizer / lower() / split() string one input
(with itself as the reference, under varied options), plus inputs with invalid UTF-8, differing
line counts and no reference stream.

    tests/fuzz/make_seeds.py OUT_DIR
"""
import hashlib
import json
import os
import sys

TOKENIZERS = ['none', '13a', 'intl', 'zh', 'char']
SMOOTH = ['none', 'floor', 'add-k', 'exp']
SMOOTH_VALUES = [0.0, 0.01, 0.1, 0.37, 1.0, 2.0, 0.5]


def header(bleu=None, chrf=None, ter=None, extra=0):
    bleu, chrf, ter = bleu or {}, chrf or {}, ter or {}
    b = [0] * 8
    tok = bleu.get('tokenize')
    b[0] = TOKENIZERS.index(tok) if tok in TOKENIZERS else 5
    b[0] |= 0x08 * bool(bleu.get('lowercase')) | 0x10 * bool(bleu.get('effective_order'))
    b[0] |= 0x20 * (bleu.get('trg_lang') == 'zh')
    b[1] = SMOOTH.index(bleu.get('smooth_method', 'exp'))
    if 'smooth_value' in bleu and bleu['smooth_value'] in SMOOTH_VALUES:
        b[1] |= (SMOOTH_VALUES.index(bleu['smooth_value']) + 1) << 2
    b[1] |= (min(bleu.get('max_ngram_order', 4), 8) - 1) << 5
    b[2] = chrf.get('char_order', 6) % 9 | (chrf.get('word_order', 0) & 3) << 4
    b[2] |= 0x40 * bool(chrf.get('whitespace')) | 0x80 * bool(chrf.get('eps_smoothing'))
    b[3] = chrf.get('beta', 2) % 5 | 0x08 * bool(chrf.get('lowercase'))
    for i, key in enumerate(('normalized', 'no_punct', 'asian_support', 'case_sensitive')):
        b[3] |= (0x10 << i) * bool(ter.get(key))
    b[4] = extra & 0xFF  # significance flags vary with the seed number
    b[5] = (extra * 7) & 0xFF
    b[6] = extra % 5
    return bytes(b)


def body(hyps, refs):
    return b'\xff'.join('\n'.join(stream).encode('utf-8') for stream in [hyps] + refs)


def main():
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, '..', 'data', 'scorer', 'golden.json'), encoding='utf-8') as fh:
        golden = json.load(fh)
    seeds = []
    for i, case in enumerate(golden['bleu']):
        seeds.append(header(bleu=case['options'], extra=i) + body(case['hyps'], case['refs']))
    for i, case in enumerate(golden['chrf']):
        seeds.append(header(chrf=case['options'], extra=i) + body(case['hyps'], case['refs']))
    for i, case in enumerate(golden['ter']):
        seeds.append(header(ter=case['options'], extra=i) + body(case['hyps'], case['refs']))
    for i, case in enumerate(golden['tokenize_tercom']):
        seeds.append(header(ter=case['options'], extra=i) + body([case['input']], [[case['input'].lower()]]))
    for key in ('tokenize_13a', 'tokenize_intl', 'tokenize_zh', 'tokenize_char', 'lower', 'split'):
        tok = key[len('tokenize_'):] if key.startswith('tokenize_') else '13a'
        for i, case in enumerate(golden[key]):
            seeds.append(header(bleu={'tokenize': tok, 'lowercase': i % 3 == 0}, extra=i) +
                         body([case['input']], [[case['output'] if isinstance(case['output'], str) else '']]))
    for i, case in enumerate(golden['ter_edit_rate']):
        seeds.append(header(extra=i) + body([' '.join(case['hyp'])], [[' '.join(case['ref'])]]))
    # Error paths: invalid UTF-8 (0xFF separates streams, so never inside one), line counts, no refs.
    seeds += [header() + b'caf\xc3 x\n\xed\xa0\x80\xff\xf4\x90\x80\x80 \xc0\xaf\n\xe2\x82',
              header() + b'a b\nc\xffa b',
              header() + b'only a hypothesis']
    os.makedirs(out, exist_ok=True)
    for s in seeds:  # named by content, as libFuzzer names its corpus files
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), 'wb') as fh:
            fh.write(s)
    print(f'make_seeds: {len(seeds)} seeds in {out}')


if __name__ == '__main__':
    main()

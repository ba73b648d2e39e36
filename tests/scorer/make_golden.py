#!/usr/bin/env python3
"""Writes tests/data/scorer/golden.json: sacreBLEU 2.6.0's outputs on hand-picked hard inputs.

The C++ tests (tests/unit/core/test_scorer_golden.cpp) read it and require identical results:
strings byte for byte, statistics exactly, floats bit for bit. Floats are stored as repr()
strings (shortest round-trip form) so that no JSON parser can round them.

    python3 -m venv build-scorer/sacrebleu-venv
    build-scorer/sacrebleu-venv/bin/pip install sacrebleu==2.6.0
    build-scorer/sacrebleu-venv/bin/python tests/scorer/make_golden.py [--wmt17 DIR]

The reference values assume Python 3.11 (naive float sum() in BLEU; Unicode 14.0 for lower()).
"""
import argparse
import json
import os
import subprocess
import sys
import unicodedata

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'tests', 'data', 'scorer', 'golden.json')
WMT17_DEFAULT = '/work/shared/data/wmt17-en-de'

# ---------------------------------------------------------------------------------------------
# Inputs

TOKENIZE_13A = [
    # empty / spaces only / padding
    '', '   ', ' leading and trailing  ', 'a', '.', ',', '-',
    # entities: only these four, in this order, and only when '&' is present
    '&quot;x&quot; &amp;amp; &lt;t&gt; &apos;s', '&amp;lt;', 'AT&amp;T', '&', '&&amp;', '&quot',
    '&#39;', '&nbsp;', '&amp;quot;', '&LT;', 'a&lt;b&gt;c',
    # <skipped>, hyphenated line breaks, newlines
    'foo <skipped> bar', '<skip<skipped>ped>', '<SKIPPED>', 'pre-\npost', 'line\nbreak', 'a-\n', '-\n-\n',
    'x -\ny', 'end-\n',
    # numbers with dots, commas and dashes
    '2019.', '3,000-4,000', '-9', '1.-2.', '3.14', '1,000,000.50', '5.-', '12-', 'a-5', 'version 2.0.1.',
    '1.5,2', '.5', ',5', '5.', '5,', '1..2', '1,.2', '1.,2', 'ab.1', '1.ab', 'a.1.b', '1-2-3', '1--2',
    '(1.5)', '$3.50.', '50%.', '10-20', '10 - 20', 'a1.b2,c3-d4',
    # periods and commas between non-digits (sequential passes interact)
    'U.S.A.', 'e-mail: john.doe@example.com', 'a..b', 'a...b', '...', ',,,', 'x.,y', 'x,.y', '.a.', 'a.',
    'Mr. Smith, Jr.', "it's", "'quoted'", 'well-known', '--', 'a--b',
    # the whole symbol class of the first rule
    '{|}~[\\]^_`!"#$%&()*+:;<=>?@/', 'a/b', 'a_b', 'a^b', 'a@b', 'x=1;y=2',
    # Unicode whitespace (split) and non-whitespace look-alikes (ZWSP, BOM are not spaces)
    'a\u00a0b', 'a\u2009b', 'a\u3000b', 'a\u200bb', 'a\ufeffb', 'a\u0085b', 'a\u1680b', 'a\u202fb',
    'a\u205fb', 'a\u2028b', 'a\u2029b', 'a\x1cb', 'a\x1fb', 'a\tb', 'a\rb', 'a\x0bb', 'a\x0cb', 'a\u180eb',
    'x\u00a0.', '1\u00a0000.5', '\u3000\u3000', 'end.\u00a0',
    # dashes and other non-ASCII punctuation (untouched by 13a)
    '\u2014', 'x \u2013 y', '1\u20132', '\u201eQuote\u201c.', '\u00abguillemets\u00bb,', '5\u2212-3',
    # CJK, full-width
    '\u4e2d\u6587abc\u6df7\u5408123\u6d4b\u8bd5.', '\u6771\u4eac\u3001\u65e5\u672c\u3002',
    '\uff21\uff22\uff23\u3000\u5168\u89d2\uff01\uff1f', '\u300c\u5f15\u7528\u300d', '\u3053\u3093\u306b\u3061\u306f,\u4e16\u754c.',
    '\ud55c\uad6d\uc5b4 \ubb38\uc7a5.',
    # emoji, ZWJ sequences, flags, variation selectors, non-BMP
    '\U0001f44d\U0001f3fd ok!', 'I \u2764\ufe0f NY.', '\U0001f1e9\U0001f1ea,\U0001f1eb\U0001f1f7',
    'family \U0001f468\u200d\U0001f469\u200d\U0001f467 here.', '\U0001d400.\U00020000,1',
    # non-ASCII before / after '.' and ',' and digits that are not [0-9]
    '\u00e9.', '\u00e9,1', '1.\u00e9', 'e\u0301.', '\u00c4.\u00d6,\u00dc', '\u0663.\u0664', '\uff12.\uff15', '\u0663-',
    # Greek, Turkish, German
    '\u039f\u0394\u039f\u03a3 \u03a3.', '\u0130stanbul.', 'Stra\u00dfe, Gr\u00fc\u00dfe.',
]

LOWER = [
    '', 'ABC', '\u0130', '\u0130stanbul', '\u00df', '\u1e9e', '\u039f\u0394\u039f\u03a3 \u03a3.', '\u03a3',
    '\u0391\u03a3', 'A\u03a3\u0301', 'A\u03a3\u0301B', "A'\u03a3", "A\u03a3'", '\u03a3\u0391\u03a3 \u03a3\u0391\u03a3.',
    '1\u03a3', 'A\u00ad\u03a3', '\u03a3A', 'A \u03a3', '\u01c5\u01c4\u01c6', '\u216b', '\u24b6\u24d0',
    '\U00010400\U00010428', '\u212a\u212b', '\u03aa\u03ab', 'Stra\u00dfe', '\u0049\u0307', '\u0130\u0130',
    '\u1f88\u1fbc', '\u0400\u042f', '\u10a0', '\u13a0', '\uff21', '\U0001e900', '\U00010570',
    'MIXED Case \u00c4\u00d6\u00dc \u0130I\u0131i',
]

SPLIT = [
    '', ' ', 'a b', '  a  b  ', 'a\u00a0b\u2009c\u3000d', 'a\u200bb\ufeffc', '\x1c\x1d\x1e\x1fx\x85y',
    '\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000z',
    'a\t\n\x0b\x0c\rb', 'x\u180ey', 'tab\tend\t',
]

README_HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.']
README_REFS = [['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
               ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.']]
UNICODE_HYPS = ['Der \u00dcbersetzer sagte: \u201eDas ist gut.\u201c',
                '\u4e2d\u6587\u7ffb\u8bd1\u8d28\u91cf\u5f88\u597d\u3002',
                'Preis: 3.000,50\u00a0\u20ac \u2013 g\u00fcnstig!',
                '\U0001f44d Emoji &amp; Symbole <skipped> im Text.',
                '\u039f\u0394\u039f\u03a3 \u03a3\u03a4\u0397\u039d \u0391\u0398\u0397\u039d\u0391.']
UNICODE_REFS = [['Der \u00dcbersetzer sagte: \u201eDas ist sehr gut.\u201c',
                 '\u4e2d\u6587\u7ffb\u8bd1\u7684\u8d28\u91cf\u5f88\u597d\u3002',
                 'Preis: 3.000,50 \u20ac - g\u00fcnstig.',
                 '\U0001f44d Emoji & Symbole im Text.',
                 '\u03bf\u03b4\u03bf\u03c2 \u03c3\u03c4\u03b7\u03bd \u03b1\u03b8\u03b7\u03bd\u03b1.']]

# (name, hyps, ref streams, BLEU kwargs)
BLEU_CASES = [
    ('readme_2refs', README_HYPS, README_REFS, {}),
    ('readme_ref1', README_HYPS, README_REFS[:1], {}),
    ('readme_tok_none', README_HYPS, README_REFS, {'tokenize': 'none'}),
    ('readme_floor', README_HYPS, README_REFS, {'smooth_method': 'floor'}),
    ('readme_floor_0.2', README_HYPS, README_REFS, {'smooth_method': 'floor', 'smooth_value': 0.2}),
    ('readme_add_k', README_HYPS, README_REFS, {'smooth_method': 'add-k'}),
    ('readme_add_k_0.5', README_HYPS, README_REFS, {'smooth_method': 'add-k', 'smooth_value': 0.5}),
    ('readme_none', README_HYPS, README_REFS, {'smooth_method': 'none'}),
    ('readme_lowercase', README_HYPS, README_REFS, {'lowercase': True}),
    ('readme_eff_order', README_HYPS, README_REFS, {'effective_order': True}),
    ('readme_order1', README_HYPS, README_REFS, {'max_ngram_order': 1}),
    ('readme_order2', README_HYPS, README_REFS, {'max_ngram_order': 2}),
    ('readme_order6', README_HYPS, README_REFS, {'max_ngram_order': 6}),
    ('empty_hyp', [''], [['a b c']], {}),
    ('empty_hyp_eff', [''], [['a b c']], {'effective_order': True}),
    ('empty_ref', ['a b c'], [['']], {}),
    ('empty_both', [''], [['']], {}),
    ('whitespace_only', [' \u00a0 '], [['\u3000']], {}),
    ('no_matches', ['x y z'], [['a b c']], {}),
    ('no_matches_floor', ['x y z'], [['a b c']], {'smooth_method': 'floor'}),
    ('single_token', ['a'], [['a']], {}),
    ('single_token_eff', ['a'], [['a']], {'effective_order': True}),
    ('single_token_mismatch', ['a'], [['b']], {'effective_order': True}),
    ('two_tokens_eff_floor', ['a b'], [['a c']], {'effective_order': True, 'smooth_method': 'floor'}),
    ('three_tokens_eff_none', ['a b c'], [['a b d']], {'effective_order': True, 'smooth_method': 'none'}),
    ('unigram_only_match', ['a x y z w'], [['a b c d e']], {}),
    ('unigram_only_add_k', ['a x y z w'], [['a b c d e']], {'smooth_method': 'add-k'}),
    ('short_hyp_bp', ['the cat'], [['the cat sat on the mat']], {}),
    ('long_hyp', ['the the the the the the the'], [['the cat']], {}),
    ('clipping', ['the the the cat'], [['the cat the mat']], {}),
    ('closest_len_tie_shorter', ['a b c d'], [['a b c'], ['a b c d e']], {}),
    ('closest_len_order', ['a b c d e f'], [['a b c d e f g h'], ['a b'], ['a b c d']], {}),
    ('three_refs', UNICODE_HYPS, UNICODE_REFS + [list(reversed(UNICODE_REFS[0])), UNICODE_HYPS], {}),
    ('unicode', UNICODE_HYPS, UNICODE_REFS, {}),
    ('unicode_lowercase', UNICODE_HYPS, UNICODE_REFS, {'lowercase': True}),
    ('unicode_tok_none', UNICODE_HYPS, UNICODE_REFS, {'tokenize': 'none'}),
    ('trailing_whitespace', ['a b c .\u00a0\u3000 ', 'x\t'], [['a b c .', 'x']], {}),
    ('entities', ['&quot;Hello&quot; &amp; goodbye &lt;3', 'AT&amp;T, Inc.'],
     [['"Hello" & goodbye <3', 'AT&T, Inc.']], {}),
    ('numbers', ['It cost 3,000.50 in 2019.', 'Pages 10-20 and 1.5-2.5'],
     [['It cost 3,000.50 in 2019 .', 'pages 10 - 20 and 1.5 - 2.5']], {}),
]

CHRF_CASES = [
    ('readme_2refs', README_HYPS, README_REFS, {}),
    ('readme_ref1', README_HYPS, README_REFS[:1], {}),
    ('readme_chrf_pp', README_HYPS, README_REFS, {'word_order': 2}),
    ('readme_word1', README_HYPS, README_REFS, {'word_order': 1}),
    ('readme_beta3', README_HYPS, README_REFS, {'beta': 3}),
    ('readme_beta1', README_HYPS, README_REFS, {'beta': 1}),
    ('readme_beta0', README_HYPS, README_REFS, {'beta': 0}),
    ('readme_eps', README_HYPS, README_REFS, {'eps_smoothing': True}),
    ('readme_whitespace', README_HYPS, README_REFS, {'whitespace': True}),
    ('readme_lowercase', README_HYPS, README_REFS, {'lowercase': True}),
    ('readme_char4', README_HYPS, README_REFS, {'char_order': 4}),
    ('readme_words_only', README_HYPS, README_REFS, {'char_order': 0, 'word_order': 2}),
    ('empty_hyp', [''], [['abc def']], {}),
    ('empty_hyp_eps', [''], [['abc def']], {'eps_smoothing': True}),
    ('empty_ref', ['abc def'], [['']], {}),
    ('empty_both', [''], [['']], {}),
    ('empty_both_eps', [''], [['']], {'eps_smoothing': True}),
    ('short_ref', ['abcdefgh'], [['abc']], {}),
    ('short_ref_eps', ['abcdefgh'], [['abc']], {'eps_smoothing': True}),
    ('no_matches', ['xyz'], [['abc']], {}),
    ('identical', ['Das ist ein Test.'], [['Das ist ein Test.']], {}),
    ('punct_words', ['(hi) there, friend! "quote"'], [['(hi) there friend ! " quote "']], {'word_order': 2}),
    ('unicode_spaces_removed', ['a\u00a0b\u3000c\u2009d'], [['abcd']], {}),
    ('unicode_spaces_kept', ['a\u00a0b\u3000c\u2009d'], [['a b c d']], {'whitespace': True}),
    ('zwsp_kept', ['a\u200bb'], [['ab']], {}),
    ('multi_ref_tie', ['abc'], [['abc'], ['abc']], {}),
    ('multi_ref_best_second', ['the cat sat'], [['a dog ran'], ['the cat sat down']], {}),
    ('unicode', UNICODE_HYPS, UNICODE_REFS, {}),
    ('unicode_chrf_pp', UNICODE_HYPS, UNICODE_REFS, {'word_order': 2}),
    ('unicode_lowercase', UNICODE_HYPS, UNICODE_REFS, {'lowercase': True}),
    ('unicode_three_refs', UNICODE_HYPS, UNICODE_REFS + [list(reversed(UNICODE_REFS[0])), UNICODE_HYPS],
     {'word_order': 2}),
    ('emoji_non_bmp', ['\U0001f44d\U0001f3fd\U0001f468\u200d\U0001f469 \U00020000'],
     [['\U0001f44d\U0001f468\u200d\U0001f469\U00020000']], {}),
]

# ---------------------------------------------------------------------------------------------
# Outputs


def f(x):
    """Floats as repr() strings: exact, and immune to JSON parsers that round."""
    return repr(float(x))


def bleu_case(name, hyps, refs, kwargs):
    bleu = BLEU(**kwargs)
    segments = bleu._extract_corpus_statistics(hyps, refs)
    s = bleu.corpus_score(hyps, refs)
    sig = bleu.get_signature().format()
    return {
        'name': name, 'hyps': hyps, 'refs': refs, 'options': kwargs,
        'score': f(s.score), 'counts': [f(c) for c in s.counts], 'totals': [f(t) for t in s.totals],
        'precisions': [f(p) for p in s.precisions], 'bp': f(s.bp), 'ratio': f(s.ratio),
        'sys_len': s.sys_len, 'ref_len': s.ref_len,
        'format': s.format(), 'format_sig_w1': s.format(width=1, signature=sig),
        'signature': sig, 'signature_short': bleu.get_signature().format(short=True),
        'segments': segments,
    }


def chrf_case(name, hyps, refs, kwargs):
    chrf = CHRF(**kwargs)
    segments = chrf._extract_corpus_statistics(hyps, refs)
    s = chrf.corpus_score(hyps, refs)
    sig = chrf.get_signature().format()
    return {
        'name': name, 'hyps': hyps, 'refs': refs, 'options': kwargs,
        'score': f(s.score), 'score_name': s.name,
        'format': s.format(), 'format_sig_w1': s.format(width=1, signature=sig),
        'signature': sig, 'signature_short': chrf.get_signature().format(short=True),
        'segments': segments,
    }


def read_cli_lines(path):
    """How the sacreBLEU CLI reads a file: split on \\n only, rstrip() every line."""
    with open(path, encoding='utf-8', newline='\n') as fh:
        return [line.rstrip() for line in fh]


def wmt17(data_dir):
    systems = [line.strip() for line in open(os.path.join(data_dir, 'ORDER.txt')) if line.strip() != 'reference']
    refs = read_cli_lines(os.path.join(data_dir, 'reference.txt'))
    out = []
    for system in systems:
        path = os.path.join(data_dir, system + '.txt')
        hyps = read_cli_lines(path)
        bleu, chrf = BLEU(), CHRF()
        b, c = bleu.corpus_score(hyps, [refs]), chrf.corpus_score(hyps, [refs])
        bsig, csig = bleu.get_signature().format(), chrf.get_signature().format()
        entry = {
            'system': system, 'file': system + '.txt',
            'bleu': f(b.score), 'bleu_line': b.format(), 'bleu_line_cli': b.format(width=1, signature=bsig),
            'bleu_signature': bsig, 'chrf': f(c.score), 'chrf_line': c.format(),
            'chrf_line_cli': c.format(width=1, signature=csig), 'chrf_signature': csig,
        }
        # The CLI itself must print exactly what the API lines say.
        cli = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'sacrebleu'),
                              os.path.join(data_dir, 'reference.txt'), '-i', path, '-m', 'bleu', 'chrf',
                              '-f', 'text', '-w', '4'], capture_output=True, text=True, check=True).stdout
        cli_lines = [line.strip() for line in cli.splitlines()]
        assert cli_lines == [b.format(width=4, signature=bsig), c.format(width=4, signature=csig)], cli_lines
        entry['bleu_line_cli_w4'], entry['chrf_line_cli_w4'] = cli_lines
        out.append(entry)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--wmt17', default=WMT17_DEFAULT, help='WMT17 en-de systems (skipped if missing)')
    parser.add_argument('--out', default=OUT)
    args = parser.parse_args()
    assert sacrebleu.__version__ == '2.6.0', sacrebleu.__version__
    assert sys.version_info[:2] == (3, 11), 'reference values assume Python 3.11 (naive sum, Unicode 14)'

    tok = Tokenizer13a()
    golden = {
        'generator': 'tests/scorer/make_golden.py',
        'sacrebleu': sacrebleu.__version__,
        'python': sys.version.split()[0],
        'unicode': unicodedata.unidata_version,
        'tokenize_13a': [{'input': s, 'output': tok(s)} for s in TOKENIZE_13A],
        'lower': [{'input': s, 'output': s.lower()} for s in LOWER],
        'split': [{'input': s, 'output': s.split(), 'rstrip': s.rstrip(), 'strip': s.strip()} for s in SPLIT],
        'bleu': [bleu_case(*c) for c in BLEU_CASES],
        'chrf': [chrf_case(*c) for c in CHRF_CASES],
        'wmt17': wmt17(args.wmt17) if os.path.isdir(args.wmt17) else [],
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w', encoding='utf-8') as fh:
        json.dump(golden, fh, ensure_ascii=True, indent=1)  # invisible characters stay visible
        fh.write('\n')
    print(f'wrote {args.out}: {len(TOKENIZE_13A)} 13a, {len(LOWER)} lower, {len(SPLIT)} split, '
          f'{len(BLEU_CASES)} BLEU, {len(CHRF_CASES)} chrF, {len(golden["wmt17"])} WMT17 systems')


if __name__ == '__main__':
    main()

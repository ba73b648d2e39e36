#!/usr/bin/env python3
"""Writes tests/data/scorer/golden.json: sacreBLEU 2.6.0's outputs on hand-picked hard inputs.

The C++ tests (tests/unit/core/test_scorer_golden.cpp) read it and require identical results:
strings byte for byte, statistics exactly, floats bit for bit. Floats are stored as repr()
strings (shortest round-trip form) so that no JSON parser can round them.

    python3 -m venv build-scorer/sacrebleu-venv
    build-scorer/sacrebleu-venv/bin/pip install sacrebleu==2.6.0
    build-scorer/sacrebleu-venv/bin/python tests/scorer/make_golden.py [--wmt17 DIR]

The reference values assume Python 3.11 (naive float sum() in BLEU; Unicode 14.0 for lower()) and
the `regex` release recorded under "regex" (its own Unicode tables decide the `intl` classes; the
C++ tables come from the same release, see eval/scorer/gen_tokenizer_tables.py).
"""
import argparse
import json
import os
import subprocess
import sys
import unicodedata

import regex  # the module sacreBLEU's intl tokenizer uses (its own Unicode tables)

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.lib_ter import translation_edit_rate
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'tests', 'data', 'scorer', 'golden.json')
WMT17_DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'data', 'wmt17-en-de')

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

# intl: \p{P} / \p{S} / \p{N} across scripts, the two pair passes and how they interact.
TOKENIZE_INTL = [
    '', '   ', 'a', '.', 'It\'s', "'quoted'", "''", "a''b", "1'2", "rock'n'roll",
    # numbers next to punctuation (the known quirk: '2019.' keeps its period), passes feeding each other
    '2019.', 'in 2019.', '2019. Next', '3,000.50', '1.5-2.5', '-1', '1-', '(1)', '1.2.3', '.5', '5.,', '.,.,', '...',
    'a...', '...a', 'a.,b', '1.,2', '1,.2', 'a!!b', 'a!!!b', '!!!', '!!!1', '1!!!', '!1', '1!', '?!1', '1!?', '.1.',
    'a.1.b', 'U.S.A.', 'e-mail: john.doe@example.com', 'x.y', 'x . y', 'a-b', 'a_b', 'a__b', 'x_1', '1_x',
    # symbols (every S char is split off, also between digits), currency, maths, modifiers
    '$3.50', '3.50$', '50%', 'a+b', '1+1=2', '1<2', 'a^b', '`a`', '~x~', 'a|b', '\u00a9 2020', '\u00a92020',
    'x\u2122', '20\u00b0C', '\u00b1', '2\u00d73\u00f74', '5\u22123', '\u20ac100', '100\u20ac', '\u00a35.',
    '\u00a5', '\u20b9', '\u00a2', '\u2192', '\u2260', '\u221a2', '\u2211x', '\u00a8\u02dc\u02c6', '^_^',
    # quotes, dashes and other punctuation from many scripts
    '\u00bfQu\u00e9?', '\u00a1Hola!', '\u00abBonjour\u00bb', '\u201eQuote\u201c.', '\u201cx\u201d', '\u2018x\u2019',
    '\u2014', 'x\u2013y', '1\u20132', '1\u2014', '\u2010', 'a\u2011b', '\u2026', 'a\u2026b', '1\u20262', '\u2030',
    '\u2031', '\u00a7 5', '\u00b6', '\u2022 item', '\u2020', '\u203f', '\u301c', '\u3030', '\u30a0', '\u00b7',
    '\u0645\u0631\u062d\u0628\u0627\u060c \u0627\u0644\u0639\u0627\u0644\u0645\u061f', '\u0663\u066b\u0665',
    '\u0663.\u0665', '\u0663\u066c\u0660\u0660\u0660', '\u0928\u092e\u0938\u094d\u0924\u0947\u0964',
    '\u0e51.\u0e52', '\u05e9\u05dc\u05d5\u05dd!', '\u05f4', '\u0589', '\u055d',
    # CJK and full-width
    '\u4e2d\u6587\uff0c\u6d4b\u8bd5\u3002', '\u4e2d\u6587abc\u6df7\u5408123\u6d4b\u8bd5.', '\u300c\u5f15\u7528\u300d',
    '\uff21\uff22\uff23\u3000\u5168\u89d2\uff01\uff1f', '\uff11\uff0c\uff10\uff10\uff10', '\uff11.\uff12',
    '\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\u3002', '\u30ab\u30bf\u30ab\u30ca\u30fb\u30c6\u30b9\u30c8',
    '\ud55c\uad6d\uc5b4 \ubb38\uc7a5.', '\u3010\u6ce8\u3011', '\u300a\u4e66\u300b',
    # numbers that are not Nd: Nl, No, non-BMP digits
    '\u216b.', '\u216b.\u216b', 'x\u00b2.', 'x\u00b2.y', '\u00bd.', '\u2460\u3001', '\u2460.\u2461',
    '\U0001d7d9.\U0001d7da', '\U0001d7d9.x', '\u0f33.', '\U00010107.',
    # emoji: So, Sk skin tones, variation selectors (Mn), ZWJ (Cf), flags, keycaps (Me)
    '\U0001f44d\U0001f3fd ok!', 'I \u2764\ufe0f NY.', '\U0001f1e9\U0001f1ea,\U0001f1eb\U0001f1f7',
    'family \U0001f468\u200d\U0001f469\u200d\U0001f467 here.', '1\ufe0f\u20e3!', '\U0001f600\U0001f600', 'a\U0001f600b',
    # combining marks next to punctuation and symbols
    'e\u0301.', '\u0301.', 'a\u0301!', '.\u0301', '$\u0301', '\u20dd', 'x\u20e3.', '1\u0301.2',
    # Unicode spaces and invisible characters around punctuation
    'a\u00a0.\u3000b', 'a\u200b.b', '.\u200b1', 'a\u2009,\u2009b', 'x\u2028.', '\ufeff.', 'a\u180e.',
    'a\t!b', 'a\n.b', '\u00ad.', '\u2060!',
    # characters that Python 3.11 (Unicode 14) does not know but the regex module does
    '\U0001f6dc.', 'x\u20c1100', '\u1b4e.', 'a\u1b4eb', '\U00010d40.1', '\U00010d40.\U00010d41', '\u2ffc', '\u31ef',
    '\U0001ccf0.\U0001ccf1', '\U0001fbee',
]

# zh: the "Chinese" ranges (with sacreBLEU's '\u20000' quirk) and 13a's regexes without padding.
TOKENIZE_ZH = [
    '', '   ', 'a', '\u4e2d', '\u4e2d\u6587abc\u6df7\u5408123\u6d4b\u8bd5.', '  \u524d\u540e\u7a7a\u683c  ',
    '\u6771\u4eac\u3001\u65e5\u672c\u3002', '\uff21\uff22\uff23\u3000\u5168\u89d2\uff01\uff1f', '\u300c\u5f15\u7528\u300d',
    'zero\u200bwidth', 'end with digit 5.', '\u4ef7\u683c\u662f3.5\u5143\uff0c\u5171100-200\u4e2a\u3002',
    '&amp; &lt;\u4e2d&gt;', '<skipped>\u4e2d', 'a\u2013b \u2014 c', '\u201c\u5f15\u53f7\u201d\u548c\u2018\u5355\u5f15\u53f7\u2019',
    '\u2026', '\u2022\u5217\u8868', '\u20ac100', '\u2192\u7bad\u5934', '\u2600\u2603', '\u2702\u2708', '\u3220\u3221',
    '\u338f\u33a1', '\u3400\u4db5\u4db6', '\u4e00\u9fbb\u9fbc', '\u9fa5\u9fa6', '\uf900\ufa2d\ufa2e', '\ufa6a\ufa6b',
    '\ufad9\ufada', '\U00020000\U0002a6d6', '\U0002f800', '\u3072\u3089\u304c\u306a\u30ab\u30bf\u30ab\u30ca',
    '\ud55c\uad6d\uc5b4', '\u216b\u2169', '\u2460\u2461', 'fullwidth \uff21\uff22\uff23\uff11\uff12\uff13',
    '\uff02\uff06\uff07', '\ufe50\ufe51', '\ufe10\ufe11', 'U.S.A.\u4e2d\u56fd', '1,000\u5143',
    '2019\u5e7412\u670831\u65e5.', '\u4e2d\u6587\u3000\u7a7a\u683c', '\u3000\u4e2d\u6587\u3000', '\u4e2d\n\u6587',
    '\u4e2d - \u6587', '100-200\u4e2d', '\u4e2d.', '.\u4e2d', 'a.\u4e2d', '\u4e2d,1', '1.\u4e2d', '\u4e2d-1',
    '1\u4e2d-2', 'x\u2001y', 'x\u2000y', 'x\u2028y', '\u2a6d\u2a6e', '\u2e7f\u2e80', '\u2fdf\u2fe0\u2fef\u2ff0',
    '\u3040\u30ff\u3100', '\u312f\u3130', '\u319f\u31a0\u31ef\u31f0', '\u31ff\u3200', '\u4dff\u4e00', '\ufe0f\ufe10',
    '\ufe1f\ufe20', '\ufe2f\ufe30\ufe4f\ufe50', '\ufeff\uff00\uffef\ufff0', '\U0001f44d\u4e2d', '\u200b\u4e2d\u200b',
    '\u4e2d\u0301', 'e\u0301\u4e2d.', 'a\u00a0\u4e2d', 'It\'s \u4e2d\u6587.', '\u4e2d(\u6587)', '\u4e2d/\u6587',
    '\u3001\u3002\u3003', '3.14\u5143', 'a..b\u4e2d', '\u4e2d..', '\u2030\u2031', '\u20a0\u20cf\u2100\u214f',
]

TOKENIZE_CHAR = [
    '', 'a', 'abc', 'a b', ' a ', 'a  b', '\u4e2d\u6587', '\U0001f44d\U0001f3fd', 'e\u0301',
    '\U0001f468\u200d\U0001f469', 'a\u00a0b', 'a\tb', '\U00020000x', '1,000.5', 'It\'s.', '\u3000\u4e2d',
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

ZH_HYPS = ['\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u3002',
           '\u4ef7\u683c\u662f3.5\u5143\uff0c\u5171100-200\u4e2a\u3002',
           '\u4ed6\u8bf4\uff1a\u201cHello, world!\u201d',
           '2019\u5e7412\u670831\u65e5\uff0c\u5317\u4eac\u3002',
           '\u6211\u559c\u6b22\u7528 iPhone 12 \u62cd\u7167 \U0001f44d']
ZH_REFS = [['\u4eca\u5929\u5929\u6c14\u4e0d\u9519\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u5427\u3002',
            '\u4ef7\u683c\u4e3a3.5\u5143\uff0c\u5171\u8ba1100-200\u4e2a\u3002',
            '\u4ed6\u8bf4\uff1a\u201cHello world\u201d\u3002',
            '2019\u5e7412\u670831\u65e5\u5728\u5317\u4eac\u3002',
            '\u6211\u559c\u6b22\u7528iPhone 12\u62cd\u7167\u3002']]

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
    # the intl, zh and char tokenizers, and trg_lang's default tokenizer
    ('readme_intl', README_HYPS, README_REFS, {'tokenize': 'intl'}),
    ('unicode_intl', UNICODE_HYPS, UNICODE_REFS, {'tokenize': 'intl'}),
    ('unicode_intl_lowercase', UNICODE_HYPS, UNICODE_REFS, {'tokenize': 'intl', 'lowercase': True}),
    ('numbers_intl', ['It cost 3,000.50 in 2019.', 'Pages 10-20 and 1.5-2.5'],
     [['It cost 3,000.50 in 2019 .', 'pages 10 - 20 and 1.5 - 2.5']], {'tokenize': 'intl'}),
    ('zh_trg_lang', ZH_HYPS, ZH_REFS, {'trg_lang': 'zh'}),
    ('zh_tokenize', ZH_HYPS, ZH_REFS, {'tokenize': 'zh'}),
    ('zh_with_13a', ZH_HYPS, ZH_REFS, {'tokenize': '13a', 'trg_lang': 'zh'}),
    ('zh_char', ZH_HYPS, ZH_REFS, {'tokenize': 'char'}),
    ('unicode_zh', UNICODE_HYPS, UNICODE_REFS, {'tokenize': 'zh'}),
    ('unicode_char', UNICODE_HYPS, UNICODE_REFS, {'tokenize': 'char', 'effective_order': True}),
    ('readme_char_lowercase', README_HYPS, README_REFS, {'tokenize': 'char', 'lowercase': True}),
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


# ---------------------------------------------------------------------------------------------
# TER (tercom tokenizer, shift search, corpus statistics)

# Inputs for TercomTokenizer, each run with every option set in TERCOM_OPTIONS.
TOKENIZE_TERCOM = [
    '', '   ', 'a', 'The Cat SAT.', '\u0130stanbul \u039f\u0394\u039f\u03a3 Stra\u00dfe',
    # normalisation: "\n-" (not "-\n"), newlines, the four entities in order, possessives, . , - and digits
    'pre\n-post', 'pre-\npost', 'line\nbreak', '&quot;x&quot; &amp;amp; &lt;t&gt; &apos;s', '&amp;lt;', '&amp;quot;',
    "it's John's", "'s", "its's", "it's\u00a0x", 'U.S.A.', '3.14', '3,000.50', '1.5,2', 'a.1', '1.a', 'a,b', '.5', '5.',
    '10-20', 'a-5', '5-a', 'e-mail', '{|}~[\\]^_`!"#$%&()*+:;<=>?@/', "a'b", 'x -- y',
    # punctuation removal: only . , ? : ; ! " ( )
    'Hello, world! (Really?) "Yes": a; b.', "'single' [brackets] {braces} <angle> - _ / \\",
    # CJK: ideographs, strokes, radicals, compatibility, enclosed, kana, Asian and full-width punctuation
    '\u4e2d\u6587\u7ffb\u8bd1\u3002', '\u308a\u306e\u62f3\u9283\u3092\u6301', '\u3072\u3089\u304c\u306a',
    '\u30ab\u30bf\u30ab\u30ca\u30fb\u30c6\u30b9\u30c8', '\u31f0\u31f1\u31f2', '\u3400\u4dbf\u4dc0\u9fff\ua000',
    '\u31c0\u31ef\u2e80\u2eff\u2f00', '\u3300\u33ff\uf900\ufaff\ufe30\ufe4f\ufe50', '\u3200\u32ff\u3f22\u3f23',
    '\u6771\u4eac\u3001\u65e5\u672c\u3002\u300c\u5f15\u7528\u300d\u3010\u6ce8\u3011\u301c',
    '\uff08\u5168\u89d2\uff09\uff01\uff1f\uff0c\uff0e\uff1a\uff1b\uff02\uff03\uff61\uff65\uff66',
    '\ud55c\uad6d\uc5b4 \ubb38\uc7a5.', 'abc\u4e2ddef', '3.5\u5143', '\u3000\u4e2d\u3000',
    # whitespace: Unicode spaces are not ' ' for the regexes, but split() folds them
    'a\u00a0.\u2009b', 'x\u3000,\u3000y', 'a\tb\rc', 'a\u200bb',
]
TERCOM_OPTIONS = [
    {}, {'case_sensitive': True}, {'normalized': True}, {'no_punct': True}, {'asian_support': True},
    {'normalized': True, 'asian_support': True}, {'no_punct': True, 'asian_support': True},
    {'normalized': True, 'no_punct': True}, {'normalized': True, 'no_punct': True, 'asian_support': True,
                                             'case_sensitive': True},
]

SHIFT_HYP = 'the cat sat on the mat'
SHIFT_REF = 'on the mat the cat sat'
# Two 12-word blocks swapped: blocks of at most 10 words move, so this takes two shifts.
LONG_BLOCK = ' '.join(f'w{i}' for i in range(12))
LONG_BLOCK_2 = ' '.join(f'v{i}' for i in range(12))
FILLER = ' '.join(f'f{i}' for i in range(60))
# Words from a tiny vocabulary: three shifts use 999 candidates, the fourth round reaches the
# 1,000-candidate cap and its shift (gain 1) is dropped.
CAP_HYP = 'c b a b c c c a b b c c c b b b c c b b c a c a b c b b c b b b c c c b'
CAP_REF = 'b c b c b b a c b b b c a c a a b b b c a c c c b a c c c c b b c c c b'

# (name, hyps, ref streams, TER kwargs)
TER_CASES = [
    ('readme_2refs', README_HYPS, README_REFS, {}),
    ('readme_ref1', README_HYPS, README_REFS[:1], {}),
    ('readme_case_sensitive', README_HYPS, README_REFS, {'case_sensitive': True}),
    ('readme_normalized', README_HYPS, README_REFS, {'normalized': True}),
    ('readme_no_punct', README_HYPS, README_REFS, {'no_punct': True}),
    ('empty_hyp', [''], [['a b c']], {}),
    ('empty_ref', ['a b c'], [['']], {}),
    ('both_empty', [''], [['']], {}),
    ('whitespace_only', ['  \u3000 '], [['\t']], {}),
    ('empty_segments_in_corpus', ['', 'a b', 'x'], [['a', '', 'x']], {}),
    ('no_match', ['a b c'], [['d e f g']], {}),
    ('identical', ['Hello World .'], [['hello world .']], {}),
    ('identical_case_sensitive', ['Hello World .'], [['hello world .']], {'case_sensitive': True}),
    ('single_shift', [SHIFT_HYP], [[SHIFT_REF]], {}),
    ('shift_gain_one', ['a b c d e f g h'], [['b c d e a f g h']], {}),
    ('two_shifts', ['d e f a b c g h i'], [['a b c g h i d e f']], {}),
    ('shift_and_substitute', ['the big cat sat on the red mat today'], [['today on the mat the cat sat']], {}),
    ('repeated_words', ['the the the cat the'], [['cat the the the the']], {}),
    ('long_block', [f'{LONG_BLOCK} {LONG_BLOCK_2}'], [[f'{LONG_BLOCK_2} {LONG_BLOCK}']], {}),
    ('far_shift', [f'a b {FILLER} c'], [[f'c {FILLER} a b']], {}),
    ('candidate_cap', [CAP_HYP], [[CAP_REF]], {}),
    ('length_ratio_wide_beam', ['x'], [[' '.join(f'r{i % 7}' for i in range(70)) + ' x']], {}),
    ('length_ratio_long_hyp', [' '.join(f'h{i % 5}' for i in range(90))], [['h3 h1']], {}),
    ('punctuation', ['Hello, world! (Really?) "Yes": a; b.'], [['hello world really yes a b']], {}),
    ('punctuation_no_punct', ['Hello, world! (Really?) "Yes": a; b.'], [['hello world really yes a b']],
     {'no_punct': True}),
    ('normalized_entities', ['AT&amp;T &quot;rocks&quot; it\'s 3.5-4,0'], [['at & t " rocks " it \'s 3.5 - 4,0']],
     {'normalized': True}),
    ('asian_normalized', ['\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002'], [['\u4eca\u5929\u5929\u6c14\u4e0d\u9519\u3002']],
     {'normalized': True, 'asian_support': True}),
    ('asian_without_normalized', ['\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002'], [['\u4eca\u5929\u5929\u6c14\u4e0d\u9519\u3002']],
     {'asian_support': True}),
    ('asian_no_punct', ['\u6771\u4eac \u3001 \u65e5\u672c \uff01'], [['\u6771\u4eac \u65e5\u672c']],
     {'no_punct': True, 'asian_support': True}),
    ('kana', ['\u308a\u306e\u62f3\u9283\u3092\u6301\u3063\u3066'], [['\u62f3\u9283\u3092\u6301\u3063\u3066\u308a\u306e']],
     {'normalized': True, 'asian_support': True}),
    ('case', ['The CAT', '\u0130STANBUL \u039f\u0394\u039f\u03a3'], [['the cat', 'i\u0307stanbul \u03bf\u03b4\u03bf\u03c2']], {}),
    ('case_sensitive', ['The CAT', '\u0130STANBUL \u039f\u0394\u039f\u03a3'],
     [['the cat', 'i\u0307stanbul \u03bf\u03b4\u03bf\u03c2']], {'case_sensitive': True}),
    ('multi_ref_best', ['the cat sat'], [['a dog ran away'], ['the cat sat down']], {}),
    ('multi_ref_first_minimum', ['a b'], [['a c'], ['c b'], ['a b c d']], {}),
    ('multi_ref_empty_ref', ['a b c'], [[''], ['a b c d e']], {}),
    ('multi_ref_three', UNICODE_HYPS, UNICODE_REFS + [list(reversed(UNICODE_REFS[0])), UNICODE_HYPS], {}),
    # references are preprocessed twice by sacreBLEU (the no-break space becomes ' ' in between)
    ('ref_tokenized_twice', ["it 's %"], [["it's\u00a0%"]], {'normalized': True}),
    ('unicode', UNICODE_HYPS, UNICODE_REFS, {}),
    ('unicode_all_options', UNICODE_HYPS, UNICODE_REFS,
     {'normalized': True, 'no_punct': True, 'asian_support': True, 'case_sensitive': True}),
]

# lib_ter.translation_edit_rate on word lists: (hyp, ref)
TER_WORDS = [
    ('', ''), ('a', ''), ('', 'a b'), ('a b c', 'a b c'), ('a b c d', 'c d a b'), ('a b c d e', 'e d c b a'),
    ('x a b c y', 'a b c x y'), ('a a a a b', 'b a a a a'), (SHIFT_HYP, SHIFT_REF), (CAP_HYP, CAP_REF),
    (f'{LONG_BLOCK} x y z', f'x y z {LONG_BLOCK}'), (f'{LONG_BLOCK} {LONG_BLOCK_2}', f'{LONG_BLOCK_2} {LONG_BLOCK}'),
    (f'a b {FILLER} c', f'c {FILLER} a b'),
    ('a b c d e f g h i j k l', 'g h i j k l a b c d e f'),
]


def ter_case(name, hyps, refs, kwargs):
    ter = TER(**kwargs)
    segments = ter._extract_corpus_statistics(hyps, refs)
    s = ter.corpus_score(hyps, refs)
    sig = ter.get_signature().format()
    return {
        'name': name, 'hyps': hyps, 'refs': refs, 'options': kwargs,
        'score': f(s.score), 'num_edits': s.num_edits, 'ref_length': f(s.ref_length),
        'format': s.format(), 'format_sig_w1': s.format(width=1, signature=sig),
        'signature': sig, 'signature_short': ter.get_signature().format(short=True),
        'segments': [[e, f(r)] for e, r in segments],
    }


def wmt17_ter(data_dir):
    """Corpus TER (sacreBLEU defaults) of the 16 systems, checked against the sacreBLEU CLI."""
    systems = [line.strip() for line in open(os.path.join(data_dir, 'ORDER.txt')) if line.strip() != 'reference']
    refs = read_cli_lines(os.path.join(data_dir, 'reference.txt'))
    out = []
    for system in systems:
        path = os.path.join(data_dir, system + '.txt')
        ter = TER()
        t = ter.corpus_score(read_cli_lines(path), [refs])
        sig = ter.get_signature().format()
        cli = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'sacrebleu'),
                              os.path.join(data_dir, 'reference.txt'), '-i', path, '-m', 'ter',
                              '-f', 'text', '-w', '4'], capture_output=True, text=True, check=True).stdout
        assert cli.strip() == t.format(width=4, signature=sig), cli
        out.append({'system': system, 'file': system + '.txt', 'ter': f(t.score), 'num_edits': t.num_edits,
                    'ref_length': f(t.ref_length), 'ter_line': t.format(),
                    'ter_line_cli': t.format(width=1, signature=sig), 'ter_line_cli_w4': cli.strip(),
                    'ter_signature': sig})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--wmt17', default=WMT17_DEFAULT, help='WMT17 en-de systems (skipped if missing)')
    parser.add_argument('--out', default=OUT)
    args = parser.parse_args()
    assert sacrebleu.__version__ == '2.6.0', sacrebleu.__version__
    assert sys.version_info[:2] == (3, 11), 'reference values assume Python 3.11 (naive sum, Unicode 14)'
    with open(os.path.join(ROOT, 'eval', 'scorer', 'tokenizer_intl_tables.inc'), encoding='utf-8') as fh:
        tables = fh.read()
    assert f'kRegexVersion = "{regex.__version__}"' in tables, \
        f'regex {regex.__version__} is not the release the intl tables come from: pip install the one named in ' \
        f'eval/scorer/tokenizer_intl_tables.inc, or regenerate the tables (gen_tokenizer_tables.py)'

    tok = Tokenizer13a()
    intl, zh, char = TokenizerV14International(), TokenizerZh(), TokenizerChar()
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
        'regex': regex.__version__,
        'tokenize_intl': [{'input': s, 'output': intl(s)} for s in TOKENIZE_INTL],
        'tokenize_zh': [{'input': s, 'output': zh(s)} for s in TOKENIZE_ZH],
        'tokenize_char': [{'input': s, 'output': char(s)} for s in TOKENIZE_CHAR],
        'tokenize_tercom': [{'options': o, 'input': s, 'output': TercomTokenizer(**o)(s)}
                            for o in TERCOM_OPTIONS for s in TOKENIZE_TERCOM],
        'ter_edit_rate': [{'hyp': h.split(), 'ref': r.split(), 'result': list(translation_edit_rate(h.split(), r.split()))}
                          for h, r in TER_WORDS],
        'ter': [ter_case(*c) for c in TER_CASES],
        'wmt17_ter': wmt17_ter(args.wmt17) if os.path.isdir(args.wmt17) else [],
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w', encoding='utf-8') as fh:
        json.dump(golden, fh, ensure_ascii=True, indent=1)  # invisible characters stay visible
        fh.write('\n')
    print(f'wrote {args.out}: {len(TOKENIZE_13A)} 13a, {len(TOKENIZE_INTL)} intl, {len(TOKENIZE_ZH)} zh, '
          f'{len(TOKENIZE_CHAR)} char, {len(LOWER)} lower, {len(SPLIT)} split, '
          f'{len(BLEU_CASES)} BLEU, {len(CHRF_CASES)} chrF, {len(golden["wmt17"])} WMT17 systems, '
          f'{len(TOKENIZE_TERCOM)} x {len(TERCOM_OPTIONS)} tercom, {len(TER_WORDS)} translation_edit_rate, '
          f'{len(TER_CASES)} TER, {len(golden["wmt17_ter"])} WMT17 TER systems')


if __name__ == '__main__':
    main()

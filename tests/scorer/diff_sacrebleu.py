#!/usr/bin/env python3
"""Differential test: longtail's scorer (through score_cli) against sacreBLEU 2.6.0.

Generates N random, Unicode-heavy corpora (seeded) with random BLEU, chrF and TER options, scores
each with sacreBLEU's Python API and with score_cli --batch, and compares every statistic and
score exactly (floats bit for bit), the formatted lines and the signatures. Every generated string
is also run through both 13a tokenizers, both lower()s and both tercom tokenizers (all 16 option
sets), and (unless --no-lower-all) lower() is compared on every code point and on Final_Sigma
contexts. TER gets its own corpora too (--ter-cases: block moves, repeated words, extreme length
ratios, entities, CJK, case), and lib_ter's translation_edit_rate is compared directly on random
word lists over tiny vocabularies (--ter-pairs), where shifts and the 1,000-candidate cap abound.
BLEU's tokenizer is drawn from none, 13a, intl, zh and char (or left to trg_lang=zh), and the
corpora mix in Chinese/Latin text, symbols and non-ASCII numbers. Every generated string also goes
through both sides' intl, zh and char tokenizers, plus dense strings of what their rules look at
(digits of several kinds, punctuation and symbols across scripts, edges of zh's ranges, marks,
Unicode spaces); unless --no-tok-all, intl and zh are also compared on every code point, in
contexts whose tokenization shows all of its classes (\\p{P}, \\p{S}, \\p{N}; "Chinese").

    build-scorer/sacrebleu-venv/bin/python tests/scorer/diff_sacrebleu.py \\
        --cli build-scorer/score_cli --cases 2000 --seed 1

Exit status 1 if anything differs; the first mismatches are printed with their inputs.
"""
import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import regex  # sacreBLEU's intl tokenizer's Unicode tables
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.lib_ter import translation_edit_rate
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

# ---------------------------------------------------------------------------------------------
# Random text

WORDS = [
    'the', 'The', 'cat', 'sat', 'on', 'mat', 'dog', 'bit', 'man', "isn't", "it's", 'e-mail', 'well-known',
    'Haus', 'Straße', 'GROSSE', 'Übersetzung', 'über', 'naïve', 'café', 'Ça', 'élève', 'İstanbul', 'ıi',
    'ΟΔΟΣ', 'Σ', 'σοφία', 'ΑΘΗΝΑ', 'Москва', 'ПРИВЕТ', 'مرحبا', 'नमस्ते', '中文', '翻译', '東京', 'こんにちは',
    'カタカナ', '한국어', 'ﬁ', 'ǅungla', 'Ⅻ', 'ＡＢＣ', '１２３', '٣٤', '𝐀𝐁', '𠀀', 'e\u0301', 'A\u030a',
    '👍', '👍🏽', '❤️', '🇩🇪', '👨\u200d👩\u200d👧', 'x\u200by', 'a\ufeffb',
]
NUMBERS = ['3', '2019', '3.14', '3,000', '1,000.50', '10-20', '-9', '1.-2.', '5.', '.5', ',5', '12-', '1..2',
           '$3.50', '50%', '٣.٤', '２.５', '1\u00a0000']
PUNCT = list('.,-!?;:"\'()[]{}<>/\\|@#$%^&*_+=~`') + ['...', '--', '–', '—', '„', '“', '”', '«', '»', '¡', '¿',
                                                    '。', '、', '！', '？', '「', '」', '・', '‰', '•', '€', '№']
SPECIAL = ['&quot;', '&amp;', '&lt;', '&gt;', '&apos;', '&#39;', '&nbsp;', '&amp;lt;', '&', '<skipped>',
           '<skip', 'ped>', '-\n', '\n', '\r', '-']
SPACES = [' ', ' ', ' ', '  ', '\t', '\u00a0', '\u2009', '\u3000', '\u202f', '\u2028', '\u0085', '\x1c',
          '\x0b', '\x0c', '\u1680', '\u205f', '\u200a']
NOT_SPACES = ['\u200b', '\ufeff', '\u180e', '\u2060', '\u00ad']
# Characters that decide 13a's regexes, for dense character soup.
SOUP = list('aZ09.,-&;:/\'"()<>$% ') + ['é', '中', '\u00a0', '👍', '٣', 'Σ', '\n']
BLOCKS = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x530, 0x58F), (0x600, 0x6FF),
          (0x900, 0x97F), (0x10A0, 0x10FF), (0x13A0, 0x13FF), (0x1E00, 0x1FFF), (0x2000, 0x2BFF),
          (0x2C00, 0x2E7F), (0x3000, 0x30FF), (0x4E00, 0x4E80), (0xA640, 0xA7FF), (0xAC00, 0xAC80),
          (0xFB00, 0xFFFD), (0x10400, 0x1044F), (0x10570, 0x105BF), (0x1D400, 0x1D7FF), (0x1E900, 0x1E95F),
          (0x1F300, 0x1FAFF), (0x20000, 0x20050), (0xE0000, 0xE007F)]


def random_block_char(rng):
    lo, hi = rng.choice(BLOCKS)
    while True:
        cp = rng.randint(lo, hi)
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)


def random_token(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(WORDS)
    if r < 0.55:
        return rng.choice(NUMBERS)
    if r < 0.70:
        return rng.choice(PUNCT)
    if r < 0.78:
        return rng.choice(SPECIAL)
    if r < 0.86:
        return ''.join(random_block_char(rng) for _ in range(rng.randint(1, 4)))
    if r < 0.93:
        return ''.join(rng.choice(SOUP) for _ in range(rng.randint(1, 8)))
    return rng.choice(WORDS) + rng.choice(PUNCT + NOT_SPACES) + rng.choice(WORDS + NUMBERS)


def join_tokens(rng, tokens):
    out = []
    for i, tok in enumerate(tokens):
        if i:
            r = rng.random()
            out.append('' if r < 0.12 else rng.choice(SPACES) if r < 0.35 else ' ')
        out.append(tok)
    s = ''.join(out)
    if rng.random() < 0.1:
        s = rng.choice(SPACES) + s
    if rng.random() < 0.15:
        s += rng.choice(SPACES + ['.', ' .'])
    return s


def random_sentence(rng, max_len):
    return join_tokens(rng, [random_token(rng) for _ in range(rng.randint(0, max_len))])


def mutate(rng, tokens):
    """A translation-like variant of a token list: drops, substitutions, swaps, case changes."""
    out = []
    for tok in tokens:
        r = rng.random()
        if r < 0.12:
            continue
        if r < 0.24:
            out.append(random_token(rng))
        elif r < 0.30:
            out.append(tok.upper() if rng.random() < 0.5 else tok.lower())
        else:
            out.append(tok)
        if rng.random() < 0.06:
            out.append(random_token(rng))
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


# More material for the intl / zh / char tokenizers (only in the BLEU/chrF corpora' base sentences,
# so that the TER generators' streams do not change): Chinese and mixed words, characters on the
# edges of zh's ranges, punctuation and symbols of many scripts (some newer than Unicode 14, which
# only the regex module's tables know), numbers that are not ASCII digits (Nd, Nl, No), marks.
TOKENIZER_WORDS = [
    '我们', '中华人民共和国', '北京', '今天天气很好', '价格是3.5元', 'iPhone手机', '第1名', '2019年', '㐀', '䶵', '䶶',
    '龻', '龼', '豈', '𪛖', '丽', '\u2e80', '\u2fd5', '\u31c0', '\u3105', '\u31a0', '㈠', '㎏', '\u2001x', 'x\u2a6d',
    'Ⅻ.', 'x²', '½', '①', '𝟙𝟚', '٣٫٥', '१२', '〇', '\U00010d40', 'e\u0301.', '\u0301', 'a\u20dd', '1\ufe0f\u20e3',
    'ˆx', 'x̃',
]
TOKENIZER_PUNCT = ['，', '：', '；', '（', '）', '《', '》', '【', '】', '…', '·', '§', '¶', '†', '‿', '〜', '゠', '،',
                   '؟', '।', '׳', '\u1b4e', '\u2e5d']
SYMBOLS = ['©', '®', '™', '°', '±', '×', '÷', '−', '→', '⇒', '≠', '≤', '∑', '√', '∞', '€', '£', '¥', '₹', '¢',
           '\u20c1', '^', '`', '¨', '˜', '˚', '☀', '★', '♪', '✓', '✂', '❤', '😀', '🏽', '🇩', '\U0001f6dc', '\u2ffc',
           '\U0001fbee', '㉿', '㏒']


def random_base_token(rng):
    r = rng.random()
    if r < 0.10:
        return rng.choice(TOKENIZER_WORDS)
    if r < 0.15:
        return rng.choice(TOKENIZER_PUNCT)
    if r < 0.22:
        return rng.choice(SYMBOLS)
    if r < 0.25:
        return rng.choice(TOKENIZER_WORDS + WORDS) + rng.choice(SYMBOLS + TOKENIZER_PUNCT + PUNCT) + \
            rng.choice(TOKENIZER_WORDS + NUMBERS)
    return random_token(rng)


def random_segment_group(rng, num_refs):
    """One hypothesis and its references, sharing material so that n-grams match."""
    r = rng.random()
    if r < 0.04:
        return '', [random_sentence(rng, 5) for _ in range(num_refs)]
    if r < 0.07:
        return random_sentence(rng, 5), ['' for _ in range(num_refs)]
    if r < 0.09:
        return rng.choice(SPACES), [rng.choice(SPACES + ['']) for _ in range(num_refs)]
    base = [random_base_token(rng) for _ in range(rng.randint(1, 25))]
    hyp = join_tokens(rng, mutate(rng, base))
    refs = [join_tokens(rng, base if k == 0 and rng.random() < 0.2 else mutate(rng, base)) for k in range(num_refs)]
    return hyp, refs


# Dense strings over the characters that 13a's passes look at, to stress how they interact.
SOUP_PIECES = list('0123456789..,,--  a(\'"$/') + ['é', '中', '\u00a0', '👍', '٣', '\n', '-\n', '&amp;', '&lt;',
                                                   '&quot;', '<skipped>', '&']


def random_soup(rng):
    return ''.join(rng.choice(SOUP_PIECES) for _ in range(rng.randint(0, 30)))


# Dense strings over what intl's classes and zh's ranges distinguish.
INTL_PIECES = list("0159.,!?'-_()$+%  a") + [
    'é', '中', '文', '，', '。', '、', '！', '「', 'Ⅻ', '²', '½', '٣', '١', '٫', '€', '©', '👍', '🏽', '\u0301', '\u20e3',
    '\ufe0f', '\u00a0', '\u3000', '\u2009', '\u200b', '\ufeff', '\u2014', '…', '«', '»', '¿', '\n', '\t', '〜',
    '\U0001d7d9', '\U0001f6dc', '\u20c1', '\U00010d40', '\u1b4e', '\u2001', '\u2000', '\u2a6d', '\u2a6e', 'あ',
    '\U00020000', '\uff01', '\uff11', '\uffef', '\ufff0', '&amp;', '<skipped>', '\u2028', '\x85']


def random_intl_soup(rng):
    return ''.join(rng.choice(INTL_PIECES) for _ in range(rng.randint(0, 24)))


def code_point_contexts():
    """Every code point in contexts whose intl / zh tokenization shows all of its classes."""
    intl, zh = [], []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        # '1c2' splits iff c is S; 'c.1' splits iff c is not N; 'acb', 'c!', '!c' show P and S.
        intl.append(f'1{c}2 {c}.1 a{c}b {c}! !{c}')
        zh.append(f'a{c}b.{c}1')
    return intl, zh


def random_bleu_options(rng):
    opts = {}
    r = rng.random()
    if r < 0.15:
        opts['tokenize'] = 'none'
    elif r < 0.30:
        opts['tokenize'] = '13a'
    elif r < 0.48:
        opts['tokenize'] = 'intl'
    elif r < 0.62:
        opts['tokenize'] = 'zh'
    elif r < 0.74:
        opts['tokenize'] = 'char'
    r = rng.random()
    if r < 0.10:
        opts['trg_lang'] = 'zh'  # selects zh unless a tokenizer is given (then sacreBLEU only warns)
    elif r < 0.15:
        opts['trg_lang'] = rng.choice(['en', 'de', 'fr'])
    if rng.random() < 0.3:
        opts['lowercase'] = True
    if rng.random() < 0.5:
        opts['smooth_method'] = rng.choice(['exp', 'floor', 'add-k', 'none'])
        if rng.random() < 0.5:
            opts['smooth_value'] = rng.choice([0.0, 0.01, 0.1, 0.2, 0.5, 1, 2, 0.37])
    if rng.random() < 0.3:
        opts['max_ngram_order'] = rng.randint(1, 6)
    if rng.random() < 0.3:
        opts['effective_order'] = True
    return opts


def random_chrf_options(rng):
    opts = {}
    if rng.random() < 0.3:
        opts['char_order'] = rng.randint(0, 8)
    if rng.random() < 0.35:
        opts['word_order'] = rng.randint(0, 3)
    if opts.get('char_order', 6) + opts.get('word_order', 0) == 0:
        opts['word_order'] = 2
    if rng.random() < 0.25:
        opts['beta'] = rng.randint(0, 4)
    for key in ('lowercase', 'whitespace', 'eps_smoothing'):
        if rng.random() < 0.25:
            opts[key] = True
    return opts


TER_FLAGS = ('normalized', 'no_punct', 'asian_support', 'case_sensitive')


def random_ter_options(rng):
    return {key: True for key in TER_FLAGS if rng.random() < 0.35}


def random_case(rng, index, ter_rng):
    num_refs = rng.choice([1, 1, 1, 2, 3])
    groups = [random_segment_group(rng, num_refs) for _ in range(rng.randint(1, 6))]
    hyps = [g[0] for g in groups]
    refs = [[g[1][k] for g in groups] for k in range(num_refs)]
    # TER options come from their own generator so that the BLEU/chrF cases of a seed stay as they were.
    return {'id': index, 'op': 'score', 'hyps': hyps, 'refs': refs, 'width': rng.randint(0, 4),
            'bleu': random_bleu_options(rng), 'chrf': random_chrf_options(rng), 'ter': random_ter_options(ter_rng)}


# ---- TER-specific inputs: what the shift search and the tercom normalisation react to ----

# Characters at the edges of the tercom tokenizer's classes (CJK blocks, kana, Asian and
# full-width punctuation) and its Western rules (possessives, entities, "\n-", digits next to . , -).
TER_SOUP_PIECES = (list('0123456789.,-  a\'s"?:;!()$/&') +
                   ["'s", "'s ", '\n-', '\n', '&quot;', '&amp;', '&lt;', '&gt;', '&amp;quot;', 'S', '\u0130', '\u03a3'] +
                   [chr(c) for c in (0x4E00, 0x9FFF, 0x4DFF, 0x3400, 0x4DBF, 0x31C0, 0x31EF, 0x31BF, 0x2E80, 0x2EFF,
                                     0x3300, 0x33FF, 0xF900, 0xFAFF, 0xFE30, 0xFE4F, 0xFE50, 0x3200, 0x3F22, 0x3F23,
                                     0x3040, 0x309F, 0x30A0, 0x30FF, 0x31F0, 0x31FF, 0x3001, 0x3002, 0x3003, 0x3008,
                                     0x3011, 0x3012, 0x3014, 0x301F, 0xFF61, 0xFF65, 0x30FB, 0xFF0E, 0xFF0C, 0xFF1F,
                                     0xFF1A, 0xFF1B, 0xFF01, 0xFF02, 0xFF08, 0xFF09, 0xFF03, 0x3000, 0x00A0)])
KANA_WORDS = ['\u3072\u3089\u304c\u306a', '\u30ab\u30bf\u30ab\u30ca', '\u31f0\u31f1', '\u308a\u306e',
              '\u62f3\u9283\u3092\u6301', '\u6771\u4eac\u3002', '\u3001', '\uff08\u6ce8\uff09']


def random_ter_soup(rng):
    return ''.join(rng.choice(TER_SOUP_PIECES) for _ in range(rng.randint(0, 25)))


def move_blocks(rng, tokens, moves):
    tokens = list(tokens)
    for _ in range(moves):
        if len(tokens) < 2:
            break
        length = rng.randint(1, min(len(tokens) - 1, rng.choice([1, 2, 3, 5, 12])))
        start = rng.randrange(len(tokens) - length + 1)
        block = tokens[start:start + length]
        del tokens[start:start + length]
        target = rng.randint(0, len(tokens))
        if rng.random() < 0.1:  # far moves (beyond the 50-word shift distance in long sentences)
            target = 0 if start > len(tokens) // 2 else len(tokens)
        tokens[target:target] = block
    return tokens


def random_ter_tokens(rng, n):
    r = rng.random()
    if r < 0.3:  # tiny vocabulary: many equal words, many shift candidates
        vocab = [rng.choice(WORDS) for _ in range(rng.randint(1, 5))]
        return [rng.choice(vocab) for _ in range(n)]
    if r < 0.45:
        return [rng.choice(KANA_WORDS + PUNCT[:12] + ['&amp;', "'s", 'it\'s', '3.5', '1,000', '10-20'])
                for _ in range(n)]
    return [random_token(rng) for _ in range(n)]


def random_ter_group(rng, num_refs):
    r = rng.random()
    if r < 0.05:
        return '', [join_tokens(rng, random_ter_tokens(rng, rng.randint(0, 6))) for _ in range(num_refs)]
    if r < 0.10:
        return join_tokens(rng, random_ter_tokens(rng, rng.randint(0, 6))), ['' for _ in range(num_refs)]
    if r < 0.14:  # extreme length ratios: the beam widens past 25 when R/H > 50
        short, long = random_ter_tokens(rng, rng.randint(1, 2)), random_ter_tokens(rng, rng.randint(45, 130))
        if rng.random() < 0.5:
            return join_tokens(rng, short), [join_tokens(rng, long) for _ in range(num_refs)]
        return join_tokens(rng, long), [join_tokens(rng, short) for _ in range(num_refs)]
    # Mostly short: lib_ter costs ~1 ms for a pair of <= 12 words, ~30 ms up to 30 and ~0.4 s for
    # 30-70 words of a tiny vocabulary; 2% long ones keep the 50-position shift limit covered.
    r = rng.random()
    n = rng.randint(1, 12) if r < 0.6 else rng.randint(1, 20) if r < 0.98 else rng.randint(30, 70)
    base = random_ter_tokens(rng, n)
    hyp = move_blocks(rng, mutate(rng, base) if rng.random() < 0.6 else base, rng.randint(0, 4))
    refs = [move_blocks(rng, mutate(rng, base), rng.randint(0, 2)) if k or rng.random() < 0.7 else base
            for k in range(num_refs)]
    case = rng.random()
    if case < 0.2:
        hyp = [t.upper() for t in hyp]
    elif case < 0.3:
        hyp = [t.capitalize() for t in hyp]
    return join_tokens(rng, hyp), [join_tokens(rng, ref) for ref in refs]


def random_ter_case(rng, index):
    num_refs = rng.choice([1, 1, 2, 3])
    groups = [random_ter_group(rng, num_refs) for _ in range(rng.randint(1, 5))]
    return {'id': index, 'op': 'score', 'hyps': [g[0] for g in groups],
            'refs': [[g[1][k] for g in groups] for k in range(num_refs)], 'width': rng.randint(0, 4),
            'ter': random_ter_options(rng)}


def random_word_pair(rng):
    vocab = 'abcdefgh'[:rng.randint(1, 8)]
    hyp_len = rng.choice([rng.randint(0, 8), rng.randint(0, 20), rng.randint(10, 35)])
    ref_len = max(0, hyp_len + rng.randint(-6, 6)) if rng.random() < 0.8 else rng.randint(0, 35)
    ref = [rng.choice(vocab) for _ in range(ref_len)]
    hyp = move_blocks(rng, ref, rng.randint(0, 3)) if ref and rng.random() < 0.5 else \
        [rng.choice(vocab) for _ in range(hyp_len)]
    return [hyp, ref]


# ---------------------------------------------------------------------------------------------
# sacreBLEU side


_METRICS = {}


def metric(cls, opts):
    """One sacreBLEU metric object per option set: corpus_score() takes the references each time
    (num_refs is set per call), so reuse is safe and saves building tokenizers per case."""
    key = (cls.__name__, json.dumps(opts, sort_keys=True))
    if key not in _METRICS:
        _METRICS[key] = cls(**opts)
    return _METRICS[key]


def score_once(m, hyps, refs):
    """What m.corpus_score(hyps, refs) computes, keeping the segment statistics it extracts."""
    segments = m._extract_corpus_statistics(hyps, refs)
    return segments, m._aggregate_and_compute(segments)


def expected_ter(case):
    hyps, refs, width = case['hyps'], case['refs'], case['width']
    ter = metric(TER, case['ter'])
    segments, t = score_once(ter, hyps, refs)
    sig = ter.get_signature()
    return {'score': t.score, 'num_edits': t.num_edits, 'ref_length': float(t.ref_length),
            'format': t.format(width=width), 'format_sig': t.format(width=width, signature=sig.format()),
            'signature': sig.format(), 'signature_short': sig.format(short=True),
            'segments': [[e, float(r)] for e, r in segments]}


def expected_score(case):
    if 'bleu' not in case:
        return {'ter': expected_ter(case)}
    hyps, refs, width = case['hyps'], case['refs'], case['width']
    bleu = metric(BLEU, case['bleu'])
    segments, s = score_once(bleu, hyps, refs)
    sig = bleu.get_signature().format()
    chrf = metric(CHRF, case['chrf'])
    csegments, c = score_once(chrf, hyps, refs)
    csig = chrf.get_signature().format()
    return {
        'bleu': {'score': s.score, 'counts': [float(x) for x in s.counts], 'totals': [float(x) for x in s.totals],
                 'precisions': s.precisions, 'bp': s.bp, 'ratio': float(s.ratio), 'sys_len': s.sys_len,
                 'ref_len': s.ref_len, 'format': s.format(width=width),
                 'format_sig': s.format(width=width, signature=sig), 'signature': sig, 'segments': segments},
        'chrf': {'score': c.score, 'name': c.name, 'format': c.format(width=width),
                 'format_sig': c.format(width=width, signature=csig), 'signature': csig, 'segments': csegments},
        'ter': expected_ter(case),
    }


def all_strings(case):
    return case['hyps'] + [r for stream in case['refs'] for r in stream]


def sigma_contexts():
    """Capital sigma next to every code point, on both sides: the Final_Sigma rule's inputs."""
    lines = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        lines.append(c)
        lines.append('A\u03a3' + c + 'b')
        lines.append(c + '\u03a3')
    return lines


# ---------------------------------------------------------------------------------------------
# comparison


def diff(path, expected, actual, out):
    """Appends 'path: expected != actual' for every difference (floats compared exactly)."""
    if isinstance(expected, dict):
        for key in expected:
            if key not in actual:
                out.append(f'{path}.{key}: missing')
            else:
                diff(f'{path}.{key}', expected[key], actual[key], out)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            out.append(f'{path}: {expected!r} != {actual!r}')
        else:
            for i, (e, a) in enumerate(zip(expected, actual)):
                diff(f'{path}[{i}]', e, a, out)
    elif isinstance(expected, float) or isinstance(actual, float):
        if float(expected) != float(actual):
            out.append(f'{path}: {expected!r} != {actual!r}')
    elif expected != actual:
        out.append(f'{path}: {expected!r} != {actual!r}')


# ---------------------------------------------------------------------------------------------
# sacreBLEU's expected results, computed in parallel: the work is split into tasks (chunks of
# corpora, of lines per tokenizer, of word-list pairs); forked workers read it from _WORK.

_WORK = {}
CHUNK = 250


def _task(task):
    t0 = time.process_time()
    kind, key, lo, out = _run_task(task)
    return kind, key, lo, out, time.process_time() - t0


def _run_task(task):
    kind, key, lo, hi = task
    w = _WORK
    if kind == 'cases':
        return kind, key, lo, [(case['id'], expected_score(case)) for case in w['cases'][lo:hi]]
    if kind == 'tokenize':
        tok = {'13a': Tokenizer13a, 'intl': TokenizerV14International, 'zh': TokenizerZh, 'char': TokenizerChar}[key]()
        return kind, key, lo, [tok(s) for s in w['tok_lines'][key][lo:hi]]
    if kind == 'lower':
        return kind, key, lo, [s.lower() for s in w['strings' if key == 'lower' else 'lower_all'][lo:hi]]
    if kind == 'tercom':
        tercom = TercomTokenizer(**w['tercom_options'][key])
        return kind, key, lo, [tercom(s) for s in w['tercom_lines'][key][lo:hi]]
    if kind == 'pairs':
        return kind, key, lo, [list(translation_edit_rate(h, r)) for h, r in w['pairs'][lo:hi]]
    raise ValueError(kind)


def _chunks(kind, key, n, size):
    return [(kind, key, lo, min(n, lo + size)) for lo in range(0, n, size)]


def expected_results(jobs):
    w = _WORK
    tasks = _chunks('cases', None, len(w['cases']), CHUNK)
    for name, lines in w['tok_lines'].items():
        tasks += _chunks('tokenize', name, len(lines), 20 * CHUNK)
    tasks += _chunks('lower', 'lower', len(w['strings']), 100 * CHUNK)
    if w['lower_all'] is not None:
        tasks += _chunks('lower', 'lower-all', len(w['lower_all']), 100 * CHUNK)
    for k, lines in enumerate(w['tercom_lines']):
        tasks += _chunks('tercom', k, len(lines), 20 * CHUNK)
    tasks += _chunks('pairs', None, len(w['pairs']), 50)
    if jobs > 1:
        import multiprocessing
        with multiprocessing.get_context('fork').Pool(jobs) as pool:
            done = pool.map(_task, tasks, chunksize=1)
    else:
        done = [_task(t) for t in tasks]
    expected, parts, cpu = {}, {}, {}
    for kind, key, lo, out, seconds in done:
        cpu[kind] = cpu.get(kind, 0.0) + seconds
        if kind == 'cases':
            expected.update(out)
        else:
            parts.setdefault((kind, key), []).append((lo, out))
    for (kind, key), chunks in parts.items():
        joined = [x for _, out in sorted(chunks, key=lambda c: c[0]) for x in out]
        if kind == 'tokenize':
            expected['tokenize-' + key] = {'lines': joined}
        elif kind == 'lower':
            expected[key] = {'lines': joined}
        elif kind == 'tercom':
            expected[f'tercom-{key}'] = {'lines': joined}
        else:
            expected['ter-words'] = {'pairs': joined}
    return expected, cpu


def start_cli(cli, batch):
    fh = tempfile.NamedTemporaryFile('w', suffix='.json', delete=False, encoding='utf-8')
    with fh:
        json.dump(batch, fh, ensure_ascii=False)
    out = tempfile.TemporaryFile('w+', encoding='utf-8')
    t0 = time.perf_counter()
    proc = subprocess.Popen([cli, '--batch', fh.name], stdout=out, text=True, encoding='utf-8')
    ended = []  # its own run time, not the time until sacreBLEU is done too
    waiter = threading.Thread(target=lambda: ended.append((proc.wait(), time.perf_counter() - t0)))
    waiter.start()
    return proc, fh.name, out, waiter, ended


def finish_cli(started):
    proc, path, out, waiter, ended = started
    waiter.join()
    rc, elapsed = ended[0]
    os.unlink(path)
    if rc != 0:
        raise subprocess.CalledProcessError(rc, proc.args)
    out.seek(0)
    text = out.read()
    out.close()
    return [json.loads(line) for line in text.split('\n') if line], elapsed  # not splitlines(): U+2028 etc.


def read_cli_lines(path):
    """How the sacreBLEU CLI reads a file: split on \\n only, rstrip() every line."""
    with open(path, encoding='utf-8', newline='\n') as fh:
        return [line.rstrip() for line in fh]


def wmt17_ter(cli, data_dir, show):
    """TER of every WMT17 system, segment by segment, from files (score_cli --hyp/--ref)."""
    names = [n.strip() for n in open(os.path.join(data_dir, 'ORDER.txt')) if n.strip() not in ('', 'reference')]
    ref_path = os.path.join(data_dir, 'reference.txt')
    refs = read_cli_lines(ref_path)
    mismatched, segments, py_time, cli_time = 0, 0, 0.0, 0.0
    for name in names:
        path = os.path.join(data_dir, name + '.txt')
        hyps = read_cli_lines(path)
        t0 = time.perf_counter()
        expected = expected_ter({'hyps': hyps, 'refs': [refs], 'width': 4, 'ter': {}})
        t1 = time.perf_counter()
        out = subprocess.run([cli, '--hyp', path, '--ref', ref_path, '-m', 'ter', '-w', '4'], capture_output=True,
                             text=True, encoding='utf-8', check=True).stdout
        cli_time += time.perf_counter() - t1
        py_time += t1 - t0
        problems = []
        diff(name, expected, json.loads(out)['ter'], problems)
        segments += len(hyps)
        if problems:
            mismatched += 1
            print(f'--- {name}: {len(problems)} differences')
            for p in problems[:show]:
                print('   ', p[:500])
        else:
            print(f'{name}: {expected["format_sig"]}')
    print(f'WMT17 TER: {len(names)} systems, {segments} segments (every segment\'s statistics, score, lines): '
          f'{mismatched} mismatching (sacreBLEU {py_time:.1f} s, score_cli {cli_time:.1f} s incl. start-up)')
    return 1 if mismatched else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cli', required=True, help='path of the score_cli executable')
    parser.add_argument('--cases', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--soup', type=int, default=50000, help='extra 13a-only strings of dense punctuation')
    parser.add_argument('--show', type=int, default=10, help='mismatches to print')
    parser.add_argument('--no-lower-all', action='store_true', help='skip the all-code-point lower() check')
    parser.add_argument('--no-tok-all', action='store_true', help='skip the all-code-point intl / zh check')
    parser.add_argument('--ter-cases', type=int, default=None, help='extra TER-only corpora (default: --cases / 4)')
    parser.add_argument('--ter-pairs', type=int, default=1000, help='word-list pairs for translation_edit_rate')
    parser.add_argument('--ter-soup', type=int, default=5000, help='strings for the tercom tokenizer only')
    parser.add_argument('--save', help='write the generated cases (JSON) here')
    parser.add_argument('--jobs', type=int, default=1, help='processes computing sacreBLEU\'s results')
    parser.add_argument('--wmt17-ter', metavar='DIR', help='instead: compare TER on the WMT17 systems in DIR')
    args = parser.parse_args()
    assert sacrebleu.__version__ == '2.6.0', sacrebleu.__version__
    if args.wmt17_ter:
        return wmt17_ter(args.cli, args.wmt17_ter, args.show)
    logging.getLogger('sacrebleu').setLevel(logging.ERROR)  # trg_lang=zh with another tokenizer warns
    tables = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'eval', 'scorer',
                          'tokenizer_intl_tables.inc')
    with open(tables, encoding='utf-8') as fh:
        assert f'kRegexVersion = "{regex.__version__}"' in fh.read(), \
            f'regex {regex.__version__} is not the release the intl tables come from (see {tables})'

    rng = random.Random(args.seed)
    ter_rng = random.Random(f'ter-{args.seed}')
    cases = [random_case(rng, i, ter_rng) for i in range(args.cases)]
    strings = [s for case in cases for s in all_strings(case)]
    soup = [random_soup(rng) for _ in range(args.soup)]
    intl_soup = [random_intl_soup(rng) for _ in range(args.soup)]
    tok_lines = {'13a': strings + soup, 'intl': strings + intl_soup, 'zh': strings + soup + intl_soup,
                 'char': strings + intl_soup[:1000]}
    if not args.no_tok_all:
        intl_all, zh_all = code_point_contexts()
        tok_lines['intl'] += intl_all
        tok_lines['zh'] += zh_all
    ter_cases = [random_ter_case(ter_rng, f'ter-{i}')
                 for i in range(args.cases // 4 if args.ter_cases is None else args.ter_cases)]
    ter_strings = [s for case in ter_cases for s in all_strings(case)]
    ter_soup = [random_ter_soup(ter_rng) for _ in range(args.ter_soup)]
    pairs = [random_word_pair(ter_rng) for _ in range(args.ter_pairs)]
    tercom_options = [{key: bool(bits >> i & 1) for i, key in enumerate(TER_FLAGS)} for bits in range(16)]
    batch = list(cases) + ter_cases
    for name, lines in tok_lines.items():
        batch.append({'id': 'tokenize-' + name, 'op': 'tokenize', 'tokenizer': name, 'lines': lines})
    batch.append({'id': 'lower', 'op': 'lower', 'lines': strings})
    # Every TER-only string, the tercom soup and some dense 13a strings go through all 16 option sets;
    # the corpora's strings through 2 each (every corpus is also scored with TER under its own options).
    tercom_common = ter_strings + ter_soup + soup[:len(soup) // 10]
    tercom_lines = [tercom_common + strings[k % 8::8] for k in range(16)]
    for k, opts in enumerate(tercom_options):
        batch.append({'id': f'tercom-{k}', 'op': 'tokenize', 'tokenizer': 'tercom', 'ter': opts,
                      'lines': tercom_lines[k]})
    batch.append({'id': 'ter-words', 'op': 'ter_words', 'pairs': pairs})
    if not args.no_lower_all:
        batch.append({'id': 'lower-all', 'op': 'lower', 'lines': sigma_contexts()})
    if args.save:
        with open(args.save, 'w', encoding='utf-8') as fh:
            json.dump(cases, fh, ensure_ascii=False, indent=1)

    # score_cli runs while sacreBLEU computes the expected results in --jobs processes.
    cli = start_cli(args.cli, batch)
    t0 = time.perf_counter()
    _WORK.update(cases=cases + ter_cases, tok_lines=tok_lines, strings=strings, tercom_options=tercom_options,
                 tercom_lines=tercom_lines, pairs=pairs,
                 lower_all=None if args.no_lower_all else batch[-1]['lines'])
    expected, cpu = expected_results(args.jobs)
    py_time = time.perf_counter() - t0
    results, cli_time = finish_cli(cli)

    # A case = one generated corpus with its own options, scored by one metric: the mixed corpora
    # are one BLEU, one chrF and one TER case each, the TER-only corpora one TER case each.
    metrics = ('bleu', 'chrf', 'ter')
    compared = {m: 0 for m in metrics}
    wrong = {m: 0 for m in metrics}
    mismatched_checks, messages = 0, []
    for result in results:
        problems = []
        want = expected.get(result.get('id'))
        if 'error' in result or want is None:
            problems.append(f'error: {result.get("error", "unexpected result")}')
        else:
            diff('', want, result, problems)
        for m in metrics:
            if want is not None and m in want:
                compared[m] += 1
                if 'error' in result or any(p.startswith(f'.{m}') for p in problems):
                    wrong[m] += 1
        if problems:
            if want is None or not any(m in want for m in metrics):
                mismatched_checks += 1
            messages.append((result.get('id'), problems))
    if len(results) != len(batch):
        mismatched_checks += 1
        messages.append(('batch', [f'{len(results)} results for {len(batch)} cases']))

    by_id = {case['id']: case for case in cases + ter_cases}
    for case_id, problems in messages[:args.show]:
        print(f'--- case {case_id}')
        if case_id in by_id:
            print(json.dumps(by_id[case_id], ensure_ascii=True))
        for p in problems[:10]:
            print('   ', p[:2000])
    lower_all = 0 if args.no_lower_all else len(batch[-1]['lines'])
    bleu_toks = {}
    for case in cases:
        o = case['bleu']
        key = o.get('tokenize') or ('zh' if o.get('trg_lang') == 'zh' else '13a')
        bleu_toks[key] = bleu_toks.get(key, 0) + 1
    print(f'BLEU tokenizers of the corpora: {dict(sorted(bleu_toks.items()))}; lines tokenized: '
          + ', '.join(f'{name} {len(lines)}' for name, lines in tok_lines.items())
          + ('' if args.no_tok_all else ' (intl and zh incl. every code point)'))
    print(f'seed {args.seed}: {args.cases} corpora scored with BLEU, chrF and TER + {len(ter_cases)} TER-only '
          f'corpora ({sum(len(c["hyps"]) for c in cases + ter_cases)} segments); '
          f'{len(strings)} strings tokenized (13a) and lowercased, {len(soup)} punctuation-dense strings tokenized, '
          f'{sum(map(len, tercom_lines))} tercom tokenizations (16 option sets), {len(pairs)} '
          f'translation_edit_rate word-list pairs, {lower_all} lower() code-point contexts')
    print('cases compared (a case = one generated corpus with its own options, scored by that metric; every '
          'segment statistic, score, formatted line and signature compared): '
          + ', '.join(f'{name} {compared[m]} ({wrong[m]} mismatching)'
                      for m, name in zip(metrics, ('BLEU', 'chrF', 'TER'))))
    total = sum(wrong.values()) + mismatched_checks
    print(f'{total} mismatching ({sum(wrong.values())} cases, {mismatched_checks} tokenizer/lower/word-list '
          f'checks; sacreBLEU {py_time:.1f} s in {args.jobs} process(es), CPU '
          + ', '.join(f'{kind} {seconds:.1f} s' for kind, seconds in cpu.items()) + f'; score_cli {cli_time:.1f} s)')
    return 1 if total else 0


if __name__ == '__main__':
    sys.exit(main())

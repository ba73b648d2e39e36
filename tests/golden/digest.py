#!/usr/bin/env python3
"""What the golden test compares of a finished run directory, as one JSON object per cell.

Per cell: the scores and dev losses of result.json, the run's deterministic diagnostics, every
line of metrics.jsonl without its wall-clock field, and SHA-256 digests of the final checkpoint's
parts (docs/cell-protocol.md, harness/train/checkpoint.h): each tensor, the RNG, batcher and method
state, and the trainer's counters without their two wall-clock fields. The format version is not
compared (version 2 only adds a CRC-32, which is checked here). Wall times, paths and the
commit are left out: they differ from run to run by design.

Usage: digest.py RUN_DIR  (prints JSON on stdout)
"""
import hashlib
import json
import os
import struct
import zlib
import sys

WALL_CLOCK = {"elapsed_s"}


def sha(b):
    return hashlib.sha256(b).hexdigest()


def checkpoint_digest(path):
    data = open(path, "rb").read()
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise ValueError(f"{path}: truncated")
        b = data[pos:pos + n]
        pos += n
        return b

    def u32():
        return struct.unpack("<I", take(4))[0]

    def u64():
        return struct.unpack("<Q", take(8))[0]

    def blob():
        return take(u64())

    if take(8) != b"LTCKPT\0\0":
        raise ValueError(f"{path}: bad magic")
    version = u32()  # 1, or 2 with a trailing CRC-32 (the contents compared here are the same)
    out = {}
    u32()  # flags
    out["step"] = struct.unpack("<q", take(8))[0]
    u64()  # metrics_offset: metrics.jsonl's size, which holds wall-clock numbers
    for name in ("cpu_rng", "cuda_rng", "batcher_state", "method_state"):
        out[name] = sha(blob())
    trainer = blob()
    out["trainer_state"] = sha(trainer[16:])  # after elapsed_s and step_time_s (f64 each)
    out["model_signature"] = blob().decode()
    tensors = {}
    for _ in range(u64()):
        name = blob().decode()
        dtype = blob().decode()
        sizes = [struct.unpack("<q", take(8))[0] for _ in range(u32())]
        raw = blob()
        tensors[name] = f"{dtype}{sizes}:{sha(raw)}"
    out["tensors"] = tensors
    if take(8) != b"LTCKEND\0":
        raise ValueError(f"{path}: bad end marker")
    if version >= 2:
        crc = u32()
        if crc != zlib.crc32(data[:pos - 4]):
            raise ValueError(f"{path}: CRC-32 mismatch")
    if pos != len(data):
        raise ValueError(f"{path}: {len(data) - pos} bytes after the end")
    return out


def metrics_digest(path):
    lines = []
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        for k in WALL_CLOCK:
            o.pop(k, None)
        lines.append(o)
    return lines


def cell_digest(cell_dir):
    r = json.load(open(os.path.join(cell_dir, "result.json"), encoding="utf-8"))
    langs = {l: {k: s.get(k) for k in ("bleu", "chrf", "dev_loss", "train_pairs", "natural_pairs")}
             for l, s in r.get("languages", {}).items()}
    diag = r.get("diagnostics", {})
    return {
        "status": r["status"],
        "steps": r.get("steps"),
        "languages": langs,
        "groups": r.get("groups"),
        "method_params": r.get("method_params"),
        "vocab_sha256": r.get("vocab_sha256"),
        "corpus_fingerprint": r.get("corpus_fingerprint"),
        "diagnostics": diag,
        "metrics": metrics_digest(os.path.join(cell_dir, "metrics.jsonl")),
        "checkpoint": checkpoint_digest(os.path.join(cell_dir, "ckpt", "checkpoint.bin")),
    }


def main(run_dir):
    cells = {}
    for root, _, files in sorted(os.walk(run_dir)):
        if "result.json" in files:
            cells[os.path.relpath(root, run_dir)] = cell_digest(root)
    if not cells:
        sys.exit(f"digest.py: no result.json under {run_dir}")
    json.dump(cells, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])

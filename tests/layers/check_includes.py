#!/usr/bin/env python3
"""The layer rule of docs/architecture.md, checked on the sources: a file includes only headers of
its own folder or of a layer with a smaller number. The layers and their folders are read from
the diagram in docs/architecture.md (lines "<number>  <layer>  <folder>  <what>"), so the document
and the check cannot disagree. Every folder holding sources must belong to a layer.

Usage: check_includes.py SOURCE_ROOT   (exit 1 naming each offending file:line)
"""
import os
import re
import sys

LAYER_LINE = re.compile(r"^\s*(\d+)\s+(\w+)\s+([\w/]+)\s{2,}")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE = (".h", ".cpp", ".inc")
NOT_LAYERS = ("tests", "bench", "third_party", "build", "docs", "scripts", "cmake", "deps", "suites")


def layers(root):
    text = open(os.path.join(root, "docs", "architecture.md"), encoding="utf-8").read()
    block = text.split("```")[1]  # the diagram
    ranks = {}
    for line in block.splitlines():
        m = LAYER_LINE.match(line)
        if m:
            ranks[m.group(3).rstrip("/")] = (int(m.group(1)), m.group(2))
    if not ranks:
        sys.exit("check_includes.py: no layer diagram found in docs/architecture.md")
    return ranks


def folder_of(path, ranks):
    d = os.path.dirname(path)
    while d and d not in ranks:
        d = os.path.dirname(d)
    return d or None


def main(root):
    ranks = layers(root)
    problems, files = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in NOT_LAYERS and not d.startswith("build")]
            continue
        for name in filenames:
            if not name.endswith(SOURCE):
                continue
            rel = os.path.join(rel_dir, name)
            own = folder_of(rel, ranks)
            if own is None:
                problems.append(f"{rel}: its folder is in no layer of docs/architecture.md")
                continue
            files += 1
            rank, layer = ranks[own]
            for lineno, line in enumerate(open(os.path.join(root, rel), encoding="utf-8"), 1):
                m = INCLUDE.match(line)
                if not m or "/" not in m.group(1):
                    continue
                target = folder_of(m.group(1), ranks)
                if target is None or target == own:
                    continue
                t_rank, t_layer = ranks[target]
                if t_rank >= rank:
                    problems.append(f"{rel}:{lineno}: {layer} (layer {rank}) includes {m.group(1)} of {t_layer} "
                                    f"(layer {t_rank}); include only layers below")
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"layers: {files} files in {len(ranks)} folders include only downward")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")

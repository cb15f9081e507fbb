#!/usr/bin/env python3
"""The daemon's include graph, read from its sources: fails on an include that runs back up
a layer, on one kind including another, on a circle among files, and on a file over the
line limit. The layers, top down, are LAYERS below; a file may include its own layer and
those beneath it. README's "Where things are" describes the same order."""
import os
import re
import sys

# Top down. A folder of daemon/ (or workers/) and its rank; higher may include lower.
LAYERS = {
    "main.c": 9,
    "loop": 8, "workers": 8,   # the reactor, its batch and threads
    "control": 7,              # control commands
    "kinds": 6,                # one folder per case kind, and their registry
    "engine": 5,               # the driver every kind shares
    "store": 4,                # LMDB, the journal, the case record codec, indexes
    "case": 3,                 # the case as data: its deadlines and their timing
    "security": 2,             # who connects, sealing at rest
    "policy": 1,               # config, calendars, states, deadline settings
    "base": 0,                 # log, clock, threads
}
MAX_LINES = 600
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    parts = path.split("/")
    if parts[0] == "workers":
        return "workers"
    if len(parts) == 2:  # daemon/main.c
        return parts[1]
    return parts[1]


def kind_of(path):
    parts = path.split("/")
    return parts[2] if len(parts) > 3 and parts[1] == "kinds" else None


def main(top):
    files = {}
    for d in ("daemon", "workers"):
        for dp, _, fn in os.walk(os.path.join(top, d)):
            for f in fn:
                if f.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dp, f), top)
                    files[rel] = open(os.path.join(top, rel), encoding="utf-8").read()
    problems = []
    graph = {}
    for rel, text in sorted(files.items()):
        layer = layer_of(rel)
        if layer not in LAYERS:
            problems.append(f"{rel}: in no layer (a folder of daemon/ the check knows)")
            continue
        n = text.count("\n")
        if n > MAX_LINES:
            problems.append(f"{rel}: {n} lines, over {MAX_LINES}: split it by job")
        graph[rel] = []
        for inc in INCLUDE.findall(text):
            target = "daemon/" + inc if not inc.startswith("workers/") else inc
            if target not in files:
                if "/" in inc:
                    problems.append(f"{rel}: includes {inc}, which is no file of the tree")
                continue  # proto.h and the like: the codec library, beneath every layer
            graph[rel].append(target)
            tl = layer_of(target)
            if LAYERS[tl] > LAYERS[layer]:
                problems.append(f"{rel}: includes {inc}, up from {layer} to {tl}")
            ka, kb = kind_of(rel), kind_of(target)
            if ka and kb and ka != kb:
                problems.append(f"{rel}: kind {ka} includes kind {kb}'s {inc}")
    # a circle among files: depth-first search with colours
    colour, stack = {}, []

    def visit(f):
        colour[f] = 1
        stack.append(f)
        for g in graph.get(f, []):
            if colour.get(g) == 1:
                problems.append("circle: " + " -> ".join(stack[stack.index(g):] + [g]))
            elif not colour.get(g):
                visit(g)
        stack.pop()
        colour[f] = 2

    for f in sorted(graph):
        if not colour.get(f):
            visit(f)
    for p in problems:
        print(p)
    print(f"{len(files)} files, {sum(len(v) for v in graph.values())} includes: "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))

#!/usr/bin/env python3
"""One table, strategies × data sets: AULC and the saving vs random at the budget (random's final labels ÷ the labels
the strategy needs to match random's final mean accuracy). Best AULC per data set in bold.

Usage: python3 bench/matrix.py docs/benchmarks/strategies/{trec,sst2,ag-news,reuters-r8,20newsgroups}/results.json
"""
import json, os, sys, math
from collections import defaultdict

def mean_curve(runs):
    by = defaultdict(list)
    for run in runs:
        for rd in run["rounds"]:
            by[rd["labels"]].append(rd["accuracy"])
    return [(l, sum(v) / len(v)) for l, v in sorted(by.items())]

def labels_to(curve, target):
    for i, (l, a) in enumerate(curve):
        if a < target:
            continue
        if i == 0:
            return l
        l0, a0 = curve[i - 1]
        return math.ceil(l0 + (target - a0) / (a - a0) * (l - l0) - 1e-9)
    return None

files = sys.argv[1:]
names = [os.path.basename(os.path.dirname(p)) for p in files]
cells = defaultdict(dict)
order = []
best = {}
for name, path in zip(names, files):
    r = json.load(open(path))
    rc = mean_curve([x for x in r["runs"] if x["strategy"] == "random"])
    rl, ra = rc[-1]
    best[name] = max(s["aulc"] for s in r["summary"])
    for s in r["summary"]:
        if s["strategy"] not in order:
            order.append(s["strategy"])
        to = labels_to(mean_curve([x for x in r["runs"] if x["strategy"] == s["strategy"]]), ra)
        sav = f"{rl / to:.2f}×" if to else "—"
        aulc = f"{s['aulc']:.4f}"
        if abs(s["aulc"] - best[name]) < 1e-12:
            aulc = f"**{aulc}**"
        cells[s["strategy"]][name] = f"{aulc} / {sav}"
print("| strategy | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for s in order:
    print(f"| {s} | " + " | ".join(cells[s].get(n, "not run") for n in names) + " |")

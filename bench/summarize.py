#!/usr/bin/env python3
"""Prints a Markdown table of the summary rows of one or more `sift simulate` results.json files.

Usage: python3 bench/summarize.py docs/benchmarks/engine/*/results.json
       python3 bench/summarize.py --matrix docs/benchmarks/strategies/*/results.json

--matrix prints one table, strategies × data sets: AULC and the saving at the budget, best AULC per data set in bold.

Besides the summary keys, it prints the labels each strategy needs to match random's mean accuracy at random's
last round ("labels→random@budget", interpolated like labels_to_95) and random's labels divided by that.
"""
import json, sys, os, math
from collections import defaultdict

# Rows in the registry's order (that of `--strategy all`), whatever order merged files list them in.
ORDER = ["random", "least-confidence", "margin", "entropy", "qbc-vote", "qbc-kl", "bald", "egl", "eer", "badge", "coreset",
         "kmeans", "margin-coreset", "margin-kmeans", "margin-explore", "auto", "density"]

def ordered(names):
    return sorted(names, key=lambda s: (ORDER.index(s) if s in ORDER else len(ORDER), names.index(s)))

def fmt(v, nd=4):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)

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

def matrix(files):
    names = [os.path.basename(os.path.dirname(p)) for p in files]
    cells, order = defaultdict(dict), []
    for name, path in zip(names, files):
        r = json.load(open(path))
        rl, ra = mean_curve([x for x in r["runs"] if x["strategy"] == "random"])[-1]
        best = max(s["aulc"] for s in r["summary"])
        for s in r["summary"]:
            if s["strategy"] not in order:
                order.append(s["strategy"])
            to = labels_to(mean_curve([x for x in r["runs"] if x["strategy"] == s["strategy"]]), ra)
            aulc = f"{s['aulc']:.4f}"
            if abs(s["aulc"] - best) < 1e-12:
                aulc = f"**{aulc}**"
            cells[s["strategy"]][name] = f"{aulc} / " + (f"{rl / to:.2f}×" if to else "—")
    print("| strategy | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for s in ordered(order):
        print(f"| {s} | " + " | ".join(cells[s].get(n, "not run") for n in names) + " |")

def rows(files):
    print("| dataset | full-data acc | strategy | AULC | final acc | labels→95% | labels→98% | savings 95% | savings 98% | labels→random@budget | savings @budget | median round s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path in files:
        r = json.load(open(path))
        name = os.path.basename(os.path.dirname(path))
        random_curve = mean_curve([x for x in r["runs"] if x["strategy"] == "random"])
        rl, ra = random_curve[-1]
        summary = {s["strategy"]: s for s in r["summary"]}
        for i, s in enumerate(summary[n] for n in ordered(list(summary))):
            curve = mean_curve([x for x in r["runs"] if x["strategy"] == s["strategy"]])
            to_rand = labels_to(curve, ra)
            sav = round(rl / to_rand, 2) if to_rand else None
            print(f"| {name if i == 0 else ''} | {fmt(r['full_data']['accuracy']) if i == 0 else ''} | {s['strategy']} | {fmt(s['aulc'])} | "
                  f"{fmt(s.get('final_accuracy'))} | {fmt(s['labels_to_95'])} | {fmt(s['labels_to_98'])} | "
                  f"{fmt(s['savings_vs_random_95'], 2)} | {fmt(s['savings_vs_random_98'], 2)} | {fmt(to_rand)} | {fmt(sav, 2)} | {fmt(s.get('median_round_seconds'), 3)} |")

if sys.argv[1:2] == ["--matrix"]:
    matrix(sys.argv[2:])
else:
    rows(sys.argv[1:])

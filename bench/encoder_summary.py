#!/usr/bin/env python3
"""Tables of the encoder issue's benchmark (bench/encoder-benchmarks.sh).

Usage: python3 bench/encoder_summary.py [OUT]     (OUT default /tmp/sift-w11-bench)

Labels to reach 95% / 98% of the scikit-learn TF-IDF reference ceiling (fixed per data set, below) are read from the
mean learning curve over seeds, interpolated like results.json's labels_to_95 (bench/summarize.py's labels_to). "—"
means the curve never reaches it within the budget; a ratio against such a run is written as a lower bound (">").
(a) random sampling on TF-IDF is read from OUT/baseline (or the ablation's tfidf runs), else from the engine
benchmark's random runs (docs/benchmarks/engine/*, docs/benchmarks/strategies/20newsgroups): the same protocol
(3 seeds, seed set 50, batch 50, budget 3,000).
"""
import json, os, sys, math
from collections import defaultdict

REFERENCE = {"trec": 0.8920, "sms-spam": 0.9829, "sst2": 0.8122, "ag-news": 0.8905, "reuters-r8": 0.9685, "20newsgroups": 0.850}
DATASETS = list(REFERENCE)
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/sift-w11-bench"
HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "docs", "benchmarks")

def load(p):
    with open(p) as f:
        return json.load(f)

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

def curves(result):
    by = defaultdict(list)
    for run in result["runs"]:
        by[run["strategy"]].append(run)
    return {s: mean_curve(r) for s, r in by.items()}

def baseline(ds):
    for p in (os.path.join(OUT, "baseline", ds, "results.json"), os.path.join(OUT, "abl-tfidf", ds, "results.json"),os.path.join(DOCS, "engine", ds, "results.json"), os.path.join(DOCS, "strategies", ds, "results.json")):
        if os.path.exists(p):
            return curves(load(p))["random"], p
    return None, None

def fmt(n):
    return "—" if n is None else f"{n:,}"

def ratio(a, b, budget=3000):
    if b is None:
        return "—"
    if a is None:
        return f"> {budget / b:.1f}×"
    return f"{a / b:.1f}×"

def main_table():
    print("| data set | reference | (a) random, TF-IDF: labels to 95% / 98% | (b) default: labels to 95% / 98% | (a)÷(b) 95% / 98% | default's random control (same features) 95% / 98% | full data: TF-IDF (old) → default's features |")
    print("|---|---|---|---|---|---|---|")
    for ds in DATASETS:
        ref = REFERENCE[ds]
        a, src = baseline(ds)
        p = os.path.join(OUT, "default", ds, "results.json")
        if not os.path.exists(p):
            print(f"| {ds} | {ref:.4f} | {fmt(labels_to(a, .95 * ref)) if a else '?'} / {fmt(labels_to(a, .98 * ref)) if a else '?'} | (not run yet) | | | |")
            continue
        r = load(p)
        c = curves(r)
        strategy = [s for s in c if s != "random"][0]
        b = c[strategy]
        a95, a98 = labels_to(a, .95 * ref), labels_to(a, .98 * ref)
        b95, b98 = labels_to(b, .95 * ref), labels_to(b, .98 * ref)
        r95, r98 = labels_to(c["random"], .95 * ref), labels_to(c["random"], .98 * ref)
        old_full = load(src)["full_data"]["accuracy"]
        print(f"| {ds} | {ref:.4f} | {fmt(a95)} / {fmt(a98)} | {fmt(b95)} / {fmt(b98)} | {ratio(a95, b95)} / {ratio(a98, b98)} | {fmt(r95)} / {fmt(r98)} | {old_full:.4f} → {r['full_data']['accuracy']:.4f} |")

def ablation_table():
    configs = sorted(d for d in os.listdir(OUT) if d.startswith("abl-")) if os.path.isdir(OUT) else []
    if not configs:
        return
    print()
    print("| config | data set | strategy | labels to 95% / 98% of reference | AULC | accuracy at 3,000 | ECE raw → T-scaled | full data |")
    print("|---|---|---|---|---|---|---|---|")
    for cfg in configs:
        for ds in DATASETS:
            p = os.path.join(OUT, cfg, ds, "results.json")
            if not os.path.exists(p):
                continue
            r = load(p)
            ref = REFERENCE[ds]
            c = curves(r)
            summary = {s["strategy"]: s for s in r["summary"]}
            for s, curve in c.items():
                row = summary.get(s, {})
                ece = row.get("ece")
                cal = row.get("ece_calibrated")
                e = "—" if ece is None else f"{ece:.3f}" + ("" if cal is None else f" → {cal:.3f}")
                print(f"| {cfg[4:]} | {ds} | {s} | {fmt(labels_to(curve, .95 * ref))} / {fmt(labels_to(curve, .98 * ref))} | {row.get('aulc', float('nan')):.4f} | {curve[-1][1]:.4f} | {e} | {r['full_data']['accuracy']:.4f} |")

main_table()
ablation_table()

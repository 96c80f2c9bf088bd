#!/usr/bin/env python3
"""Prints a Markdown table of the summary rows of one or more `sift simulate` results.json files.

Usage: python3 bench/summarize.py docs/benchmarks/engine/*/results.json
"""
import json, sys, os

def fmt(v, nd=4):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)

print("| dataset | full-data acc | strategy | AULC | final acc | labels→95% | labels→98% | savings 95% | savings 98% | median round s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    r = json.load(open(path))
    name = os.path.basename(os.path.dirname(path))
    for i, s in enumerate(r["summary"]):
        print(f"| {name if i == 0 else ''} | {fmt(r['full_data']['accuracy']) if i == 0 else ''} | {s['strategy']} | {fmt(s['aulc'])} | "
              f"{fmt(s.get('final_accuracy'))} | {fmt(s['labels_to_95'])} | {fmt(s['labels_to_98'])} | "
              f"{fmt(s['savings_vs_random_95'], 2)} | {fmt(s['savings_vs_random_98'], 2)} | {fmt(s.get('median_round_seconds'), 3)} |")

"""Downstream curve summary (docs/benchmarks.md): per data set and arm, mean test accuracy over seeds at fixed money,
and the least money at which the mean curve reaches a share of the people-only active-learning run's final accuracy.
Usage: python3 bench/routing_downstream.py OUT/*/downstream.json"""
import json, os, sys
from collections import defaultdict

def mean_curve(runs):
    n = min(len(r['points']) for r in runs)
    return [(sum(r['points'][j]['money'] for r in runs) / len(runs), sum(r['points'][j]['accuracy'] for r in runs) / len(runs),
             runs[0]['points'][j]['labels']) for j in range(n)]

def at(curve, money):
    if money < curve[0][0] or money > curve[-1][0]: return None
    for (m0, a0, _), (m1, a1, _) in zip(curve, curve[1:]):
        if m0 <= money <= m1: return a0 + (a1 - a0) * (money - m0) / (m1 - m0 or 1)
    return curve[-1][1]

levels = [100, 200, 300, 500, 1000]
print("| data set | arm | label accuracy | " + " | ".join(f"acc @ {m}" for m in levels) + " | money to reach 99% of people-AL's final |")
print("|---|---|---|" + "---|" * len(levels) + "---|")
for p in sys.argv[1:]:
    runs = json.load(open(p)); name = os.path.basename(os.path.dirname(p))
    by = defaultdict(list)
    for r in runs: by[r['arm']].append(r)
    curves = {a: mean_curve(rs) for a, rs in by.items()}
    ref = next((c for a, c in curves.items() if a.endswith('+ people') and not a.startswith('random')), None)
    goal = 0.99 * ref[-1][1] if ref else None
    for arm in sorted(curves, key=lambda a: (not a.endswith('router'), a.startswith('random'), a)):
        c = curves[arm]
        lab = sum(r['label_accuracy'] for r in by[arm]) / len(by[arm])
        cells = [f"{v:.3f}" if (v := at(c, m)) is not None else "–" for m in levels]
        reach = next((m for m, a, _ in c if goal is not None and a >= goal), None)
        print(f"| {name} | {arm} | {lab:.3f} | " + " | ".join(cells) + f" | {f'{reach:.0f}' if reach is not None else 'not reached'} |")

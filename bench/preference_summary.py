#!/usr/bin/env python3
"""Tables of the preference benchmarks from `sift simulate` results (bench/preference-benchmarks.sh).

Usage: preference_summary.py OUT_DIR [RUN ...]   (default: every OUT_DIR/*/results.json)
Per run: held-out pairwise accuracy at 50 … 2,000 comparisons (mean of seeds, min–max), the full-data ceiling, and the
comparisons each strategy needs to match random's mean accuracy at random's last round (first reached / held from then
on), plus the last model's log losses (A/B/tie and decisive-only) and P(tie | Δ = 0).
"""
import json, os, statistics, sys

MARKS = [50, 100, 250, 500, 1000, 1500, 2000]


def curve(runs, strategy):
    by = {}
    for run in runs:
        if run["strategy"] != strategy:
            continue
        for rd in run["rounds"]:
            by.setdefault(rd["labels"], []).append(rd["accuracy"])
    return [(k, statistics.mean(v), min(v), max(v)) for k, v in sorted(by.items())]


def first_reached(c, target):
    for labels, mean, _, _ in c:
        if mean >= target - 1e-12:
            return labels
    return None


def held_from(c, target):
    start = None
    for labels, mean, _, _ in c:
        if mean < target - 1e-12:
            start = None
        elif start is None:
            start = labels
    return start


def table(name, r):
    runs = r["runs"]
    strategies = list(dict.fromkeys(run["strategy"] for run in runs))
    cfg = r["config"]
    print(f"\n### {name}: {cfg.get('learner')}; features {cfg['features'].get('blocks')}; pool {r['dataset']['pool_size']}, test {r['dataset']['test_size']}; "
          f"full-data ceiling {r['full_data']['accuracy']:.3f}")
    rand = curve(runs, "random")
    target = rand[-1][1] if rand else None
    print("| strategy | " + " | ".join(str(m) for m in MARKS) + " | to random's final (first / held) | log loss A/B/tie | decisive log loss | P(tie∣Δ=0) |")
    print("|---|" + "---|" * len(MARKS) + "---|---|---|---|")
    for s in strategies:
        c = curve(runs, s)
        at = {labels: (mean, lo, hi) for labels, mean, lo, hi in c}
        cells = [f"{at[m][0]:.3f} ({at[m][1]:.3f}–{at[m][2]:.3f})" if m in at else "—" for m in MARKS]
        fr = first_reached(c, target) if target is not None else None
        hf = held_from(c, target) if target is not None else None
        prefs = [run.get("preference") for run in runs if run["strategy"] == s and run.get("preference")]
        ll = statistics.mean(p["log_loss"] for p in prefs) if prefs else float("nan")
        dll = statistics.mean(p["decisive_log_loss"] for p in prefs) if prefs else float("nan")
        pt = statistics.mean(p["tie_probability"] for p in prefs) if prefs else float("nan")
        print(f"| {s} | " + " | ".join(cells) + f" | {fr if fr is not None else 'not reached'} / {hf if hf is not None else '—'} | {ll:.3f} | {dll:.3f} | {pt:.3f} |")
    if target is not None:
        print(f"random's mean accuracy at {rand[-1][0]}: {target:.4f}")


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or sorted(d for d in os.listdir(out) if os.path.isfile(os.path.join(out, d, "results.json")))
    for name in names:
        with open(os.path.join(out, name, "results.json")) as f:
            table(name, json.load(f))


main()

"""Summarises `sift simulate --llm-sim …` results for the routing benchmark (docs/benchmarks.md).

Usage: python3 bench/routing_summary.py DIR/DATASET/results.json [...]
Prints, per data set and LLM profile, each policy's cost (÷ all-human), label accuracy and share of items sent to
people, then checks the routing issue's goal: the router meets the target within 0.005, sends at most the hindsight
bound's share + the audit share + 3 points to people, and (0.90 / 0.95 profiles) costs ≤ 20% of all-human.
"""
import json, os, sys

def main(paths):
    cheap = {}
    all_ok = True
    for path in paths:
        r = json.load(open(path))
        name = os.path.basename(os.path.dirname(path))
        rows = [x for x in r["routing"] if "→" not in x["llm_profile"]]
        profiles = list(dict.fromkeys(x["llm_profile"] for x in rows))
        audit = 0.05
        print(f"\n### {name} ({rows[0]['items']} items, target {rows[0]['target_accuracy']})\n")
        print("| LLM profile | policy | cost ÷ all-human | label accuracy | people share |")
        print("|---|---|---|---|---|")
        for p in profiles:
            by = {x["policy"]: x for x in rows if x["llm_profile"] == p}
            for pol in ("all-human", "all-llm", "threshold", "oracle-threshold", "router"):
                x = by[pol]
                extra = ""
                if pol == "router" and x.get("estimated_accuracy") is not None:
                    extra = f" (est. {x['estimated_accuracy']:.3f} [{x['estimate_low']:.3f}, {x['estimate_high']:.3f}])"
                print(f"| {p.replace('simulated-llm', 'llm')} | {pol} | {x['cost_vs_all_human']:.3f} | {x['label_accuracy']:.4f}{extra} | {x['people_share']:.3f} |")
        print("\n| LLM profile | router meets target (±0.005) | router people share ≤ bound + audit + 0.03 | router cost ≤ 20% |")
        print("|---|---|---|---|")
        for p in profiles:
            by = {x["policy"]: x for x in rows if x["llm_profile"] == p}
            rt, ot = by["router"], by["oracle-threshold"]
            meets = rt["label_accuracy"] >= rt["target_accuracy"] - 0.005
            share_ok = rt["people_share"] <= ot["people_share"] + audit + 0.03 + 1e-12
            cost_ok = rt["cost_vs_all_human"] <= 0.20
            all_ok &= meets and share_ok
            if "accuracy=0.8," not in p:
                cheap.setdefault(p, []).append(cost_ok)
            print(f"| {p.replace('simulated-llm', 'llm')} | {'yes' if meets else 'NO'} ({rt['label_accuracy']:.4f}) | "
                  f"{'yes' if share_ok else 'NO'} ({rt['people_share']:.3f} vs {ot['people_share']:.3f} + {audit} + 0.03) | {'yes' if cost_ok else 'no'} ({rt['cost_vs_all_human']:.3f}) |")
    print("\nCost ≤ 20% of all-human, data sets per profile (goal: ≥ 4 of 5 for the 0.90 and 0.95 profiles):")
    for p, oks in cheap.items():
        print(f"- {p}: {sum(oks)} of {len(oks)}")
    print(f"\nTarget and people-share goal met for every profile: {'yes' if all_ok else 'NO'}")

main(sys.argv[1:])

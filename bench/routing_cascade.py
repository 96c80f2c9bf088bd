#!/usr/bin/env python3
"""Summarises bench/routing-cascade.sh: per data set and cascade, the cascade's router row beside the router over the
first model alone and over the second alone (cost as a share of all-human, label accuracy, share of items to people),
and whether each meets the target (within 0.005). Usage: python3 bench/routing_cascade.py OUT/*/results.json"""
import json
import os
import sys


def short(name):
    name = name.replace("simulated-llm(accuracy=", "").replace(")", "")
    name = name.replace("calibrated", "cal").replace("overconfident", "over").replace(",price_in=0.005,price_out=0.015", ",10x price")
    return name


def main():
    print("| data set | first → second | cascade cost | acc | people | first alone cost | acc | people | second alone cost | acc | people | second asked | accepted from second | break-even second price |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    totals = []
    for path in sys.argv[1:]:
        data = os.path.basename(os.path.dirname(path))
        r = json.load(open(path))
        rows = [p for p in r["routing"] if p["policy"] == "router"]
        alone = {p["llm_profile"]: p for p in rows if " → " not in p["llm_profile"]}
        all_llm = {p["llm_profile"]: p for p in r["routing"] if p["policy"] == "all-llm"}
        for p in rows:
            if " → " not in p["llm_profile"]:
                continue
            first, second = p["llm_profile"].split(" → ")
            a, b = alone.get(first), alone.get(second)
            target = p["target_accuracy"]

            def cell(x):
                if x is None:
                    return "– | – | –"
                mark = "" if x["label_accuracy"] >= target - 0.005 else " ✗"
                return f'{x["cost_vs_all_human"]:.3f} | {x["label_accuracy"]:.4f}{mark} | {x["people_share"]:.3f}'

            note = p.get("note", "")
            asked = note.split("asked ")[1].split(" times")[0] if "asked " in note else "?"
            agreed = note.split("), ")[1].split(" labels")[0] if "), " in note else "?"
            # The second model's price per item above which the cascade would cost less than the second model alone:
            # people's cost + first model's cost + asked × p = second alone's people cost + n × p.
            even = "–"
            if b is not None and asked.isdigit() and first in all_llm and second in all_llm:
                n = p["items"]
                first_cost = all_llm[first]["cost"]
                price = all_llm[second]["cost"] / n
                people_c = p["cost"] - first_cost - int(asked) * price
                people_b = b["cost"] - n * price
                if n > int(asked):
                    x = (people_c + first_cost - people_b) / (n - int(asked))
                    even = f"{x:.3f} ({x / price:.0f}× its price)"
            print(f"| {data} | {short(first)} → {short(second)} | {cell(p)} | {cell(a)} | {cell(b)} | {asked} | {agreed} | {even} |")
            totals.append((p, a, b))
    if totals:
        met = sum(1 for p, _, _ in totals if p["label_accuracy"] >= p["target_accuracy"] - 0.005)
        cheaper_first = sum(1 for p, a, _ in totals if a and p["cost"] < a["cost"])
        cheaper_both = sum(1 for p, a, b in totals if a and b and p["cost"] < min(a["cost"], b["cost"]))
        print()
        print(f"cascades: {len(totals)}; target met (within 0.005): {met}; cheaper than the first alone: {cheaper_first}; "
              f"cheaper than both alone: {cheaper_both}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Controlled preference pairs from SST-2 sentences, for `sift simulate` (the preference benchmarks).

A decisive pair puts a positive sentence over a negative one: {"id", "prompt", "chosen", "rejected"} (the reader puts
the chosen sentence on side A or B by a seeded coin). A share of pairs (--tie-share) are two sentences of the same
label, a tie: {"id", "prompt", "response_a", "response_b", "label": "tie"}. Pool pairs come from SST-2's train split,
test pairs from its test split. Deterministic: the same arguments give byte-identical files.

Usage: preference_pairs.py OUT_DIR [--pool 10000] [--test 5000] [--tie-share 0.25] [--seed 13]
Writes OUT_DIR/train.jsonl and OUT_DIR/test.jsonl.
"""
import argparse, json, os, random

PROMPT = "Which of the two movie-review sentences is more positive?"


def load(path):
    pos, neg = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            (pos if row["label"] == "positive" else neg).append(row["text"])
    return pos, neg


def pairs(pos, neg, count, tie_share, rng, prefix):
    # Only rng.random() is used: its sequence is the same on every Python 3 version.
    def pick(items):
        return items[int(rng.random() * len(items))]
    out = []
    for i in range(count):
        if rng.random() < tie_share:
            same = pos if rng.random() < 0.5 else neg
            a = pick(same)
            b = pick(same)
            while b == a:
                b = pick(same)
            out.append({"id": f"{prefix}{i}", "prompt": PROMPT, "response_a": a, "response_b": b, "label": "tie"})
        else:
            out.append({"id": f"{prefix}{i}", "prompt": PROMPT, "chosen": pick(pos), "rejected": pick(neg)})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pool", type=int, default=10000)
    ap.add_argument("--test", type=int, default=5000)
    ap.add_argument("--tie-share", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "datasets", "sst2"))
    a = ap.parse_args()
    if not os.path.isdir(a.data):
        a.data = "/work/shared/datasets/sst2"
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    for split, count, prefix in (("train", a.pool, "p"), ("test", a.test, "t")):
        pos, neg = load(os.path.join(a.data, split + ".jsonl"))
        rows = pairs(pos, neg, count, a.tie_share, rng, prefix)
        with open(os.path.join(a.out, split + ".jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        ties = sum(1 for r in rows if "label" in r)
        print(f"{split}: {len(rows)} pairs, {ties} ties, from {len(pos)} positive and {len(neg)} negative sentences")


if __name__ == "__main__":
    main()

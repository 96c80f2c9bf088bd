"""Writes the synthetic Sift export used in docs/quality.md (standard library only, seeded).

    python3 docs/quality/make-example.py > /tmp/example-export.jsonl
    sift agreement /tmp/example-export.jsonl --out /tmp/agreement

    python3 docs/quality/make-example.py --gold > /tmp/example-gold.jsonl

With --gold, every fifth item (60 of 300) carries its true class as gold_label, as an admin's export of a project with
gold items does; the annotations are the same as without it.

300 items with true classes neg/neu/pos (priors 0.5/0.3/0.2). Each item is labeled by three of the four regular
annotators, chosen at random: ana (right 90% of the time, errors spread evenly), ben (80%), cai (right 70%, otherwise
calls neu items pos and pos items neu) and dee (40%, otherwise 'neg'). eve labeled four items only.
"""
import json
import random
import sys

rng = random.Random(7)
labels = ["neg", "neu", "pos"]
priors = [0.5, 0.3, 0.2]


def uniform(accuracy):
    return lambda c: c if rng.random() < accuracy else rng.choice([k for k in range(3) if k != c])


def swaps_neu_pos(accuracy):
    return lambda c: c if c == 0 or rng.random() < accuracy else 3 - c


def lazy(accuracy):
    return lambda c: c if rng.random() < accuracy else 0


with_gold = "--gold" in sys.argv[1:]
annotators = {"ana": uniform(0.9), "ben": uniform(0.8), "cai": swaps_neu_pos(0.7), "dee": lazy(0.4)}
for i in range(300):
    truth = rng.choices(range(3), weights=priors)[0]
    raters = rng.sample(sorted(annotators), 3)
    if i < 4:
        raters.append("eve")
    answers = []
    for second, name in enumerate(sorted(raters)):
        label = annotators[name](truth) if name != "eve" else rng.randrange(3)
        answers.append({"annotator": name, "labels": [labels[label]], "instructions_version": 1,
                        "created_at": f"2026-11-20T10:{i % 60:02d}:{second:02d}+00:00"})
    line = {"id": f"review-{i:03d}", "item_id": i + 1, "text": f"synthetic review {i}", "group": None,
            "cost": 1, "held_out": False}
    if with_gold:
        line["gold_label"] = labels[truth] if i % 5 == 0 else None
    line.update({"resolved_label": None, "annotations": answers})
    print(json.dumps(line))

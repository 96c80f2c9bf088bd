#!/usr/bin/env bash
# Label-efficiency benchmark of the engine issue: uncertainty strategies vs random on five public data sets.
# Seed set 50, batch 50, budget 3,000, 3 seeds. Writes docs/benchmarks/engine/<dataset>/.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/datasets
for d in ${@:-trec sms-spam sst2 ag-news reuters-r8}; do
  ./sift simulate --train "$data/$d/train.jsonl" --test "$data/$d/test.jsonl" \
    --strategy least-confidence --strategy margin --strategy entropy \
    --seeds 3 --seed-size 50 --batch 50 --budget 3000 --out "docs/benchmarks/engine/$d" --quiet
done

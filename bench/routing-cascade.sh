#!/usr/bin/env bash
# Cascade benchmark (issue 12, "ask a second model"): cheap simulated LLMs first (0.80 / 0.90 accuracy, calibrated and
# over-confident, the default price 0.0005/0.0015 per 1k tokens) and a stronger, dearer one second (0.95, calibrated,
# 0.005/0.015 per 1k tokens: 10x), simulated people at 0.95 accuracy and cost 1 per label, target label accuracy 0.95,
# on the whole pool of each data set (seeded order, batches of 50). Each profile is also routed alone (the router rows
# of the single profiles), and each cheap profile → the dear one as a cascade (--llm-cascade). The active-learning
# part is cut to the seed set (budget 50). Reference learner: TF-IDF + logistic regression (--features tfidf).
# Resumable: a data set whose results.json exists is skipped. Usage:
#   bench/routing-cascade.sh OUT_DIR [dataset ...]      (SIFT="dotnet path/to/sift.dll" to use a fixed build)
# Summary: python3 bench/routing_cascade.py OUT_DIR/*/results.json
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?give an output directory}; shift
data=${DATA:-../shared/datasets}
[[ -d $data ]] || data=/work/shared/datasets
sift=${SIFT:-./sift}
mkdir -p "$out"
for d in ${@:-trec sms-spam sst2 ag-news reuters-r8}; do
  if [[ -f "$out/$d/results.json" ]]; then echo "$d: done already"; continue; fi
  echo "$d: $(date -u +%H:%M:%S) start"
  $sift simulate --train "$data/$d/train.jsonl" --test "$data/$d/test.jsonl" \
    --features tfidf --strategy random --seeds 1 --seed-size 50 --budget 50 ${ROUTER_ARGS:-} \
    --llm-sim accuracy=0.8,calibration=calibrated --llm-sim accuracy=0.8,calibration=overconfident \
    --llm-sim accuracy=0.9,calibration=calibrated --llm-sim accuracy=0.9,calibration=overconfident \
    --llm-sim accuracy=0.95,calibration=calibrated,price_in=0.005,price_out=0.015 \
    --llm-cascade 1,5 --llm-cascade 2,5 --llm-cascade 3,5 --llm-cascade 4,5 \
    --human-sim accuracy=0.95,cost=1.0 --target-accuracy 0.95 --out "$out/$d.partial" --quiet > "$out/$d.log" 2>&1
  rm -f "$out/$d.partial/evidence.jsonl" "$out/$d.partial/evidence.checkpoints.jsonl"
  rm -rf "$out/$d" && mv "$out/$d.partial" "$out/$d"
  echo "$d: $(date -u +%H:%M:%S) done"
done

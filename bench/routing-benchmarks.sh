#!/usr/bin/env bash
# Routing benchmark of the LLM issue: simulated LLMs at 0.80 / 0.90 / 0.95 accuracy x calibrated / over-confident,
# simulated people at 0.95 accuracy and cost 1 per label, target label accuracy 0.95 (one person's accuracy), on the
# whole pool of each data set (seeded order, batches of 50). The active-learning part is cut to the seed set (budget 50).
# The reference learner is the issue's (TF-IDF + logistic regression: --features tfidf). ROUTER_ARGS adds router
# options (e.g. ROUTER_ARGS="--router mode=stop --router-calibration beta", or "--router learner=on").
# Resumable: a data set whose results.json exists is skipped. Usage:
#   bench/routing-benchmarks.sh OUT_DIR [dataset ...]      (SIFT="dotnet path/to/sift.dll" to use a fixed build)
# Summary: python3 bench/routing_summary.py OUT_DIR/*/results.json
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
    --llm-sim accuracy=0.95,calibration=calibrated --llm-sim accuracy=0.95,calibration=overconfident \
    --human-sim accuracy=0.95,cost=1.0 --target-accuracy 0.95 --out "$out/$d.partial" --quiet > "$out/$d.log" 2>&1
  rm -rf "$out/$d" && mv "$out/$d.partial" "$out/$d"
  echo "$d: $(date -u +%H:%M:%S) done"
done

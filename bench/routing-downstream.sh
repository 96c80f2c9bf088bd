#!/usr/bin/env bash
# Downstream curve of the LLM issue: classifier test accuracy by money spent, active learning (margin) whose labels come
# from the router (simulated LLM 0.90 calibrated + simulated people at 0.95, target 0.95) against active learning and
# random sampling with one simulated person per label; 3 seeds, seed set 50, batches of 50, 1,000 labels; TF-IDF.
# Resumable per data set. Usage: bench/routing-downstream.sh OUT_DIR [dataset ...]  (SIFT="dotnet path/to/sift.dll")
# Writes OUT_DIR/DATASET/{downstream.json,accuracy-by-money.svg,results.json}; summary: python3 bench/routing_downstream.py OUT_DIR/*/downstream.json
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?give an output directory}; shift
data=${DATA:-../shared/datasets}
[[ -d $data ]] || data=/work/shared/datasets
sift=${SIFT:-./sift}
mkdir -p "$out"
for d in ${@:-sms-spam ag-news}; do
  if [[ -f "$out/$d/downstream.json" ]]; then echo "$d: done already"; continue; fi
  echo "$d: $(date -u +%H:%M:%S) start"
  $sift simulate --train "$data/$d/train.jsonl" --test "$data/$d/test.jsonl" \
    --features tfidf --strategy margin --seeds 3 --seed-size 50 --batch 50 --budget 1000 \
    --llm-sim accuracy=0.9,calibration=calibrated --human-sim accuracy=0.95,cost=1.0 --target-accuracy 0.95 \
    --routing-downstream --out "$out/$d.partial" --quiet > "$out/$d.log" 2>&1
  rm -rf "$out/$d" && mv "$out/$d.partial" "$out/$d"
  echo "$d: $(date -u +%H:%M:%S) done"
done

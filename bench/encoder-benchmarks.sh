#!/usr/bin/env bash
# Label-efficiency benchmark of the encoder issue: the ablation (features x strategy x cold start x self-training x
# calibration) on trec and sst2, then the chosen default on the six data sets. 3 seeds, seed set 50, batch 50,
# budget 3,000. Resumable: a configuration whose results.json exists is skipped; rerun the script to continue.
# Results go to $OUT (default /tmp/sift-w11-bench), outside the repo; bench/encoder_summary.py turns them into tables.
#
#   bash bench/encoder-benchmarks.sh [ablation|main|all]      (run it with nice -n 19 nohup ... &)
# "all" runs the first part of the ablation, the default on the six data sets, then the rest of the ablation.
#
# It runs the sift build copied to $OUT/bin (so rebuilding the worktree does not disturb it). The MiniLM vectors come
# from the embedding cache (~/.cache/sift/embeddings): fill it first with `sift embed` (bench waits for 20newsgroups).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sift-w11-bench}
DATA=${DATA:-../shared/datasets}
[ -d "$DATA" ] || DATA=/work/shared/datasets
BIN=$OUT/bin
mkdir -p "$OUT"
if [ ! -f "$BIN/sift.dll" ]; then
  mkdir -p "$BIN" && cp -r src/Sift.Cli/bin/Release/net10.0/. "$BIN/"
fi
sift() { dotnet "$BIN/sift.dll" "$@"; }
STRATS="--strategy margin --strategy margin-kmeans"
# The default chosen from the ablation (see docs/benchmarks.md, "Encoder: ablation"); override with DEFAULT_ARGS.
# Calibration is not part of it here: its validation split would be 500 more gold labels, and temperature scaling
# changes no prediction (its effect is measured in the ablation).
# The k-means seed set is not in it: on trec it helped margin but cost margin-kmeans (268 / 332 labels to 95% / 98%
# against 190 / 255 with the random seed set).
DEFAULT_ARGS=${DEFAULT_ARGS:-"--features tfidf+minilm --strategy margin-kmeans"}

run() { # run NAME DATASET ARGS...
  local name=$1 ds=$2; shift 2
  local dir=$OUT/$name/$ds
  if [ -f "$dir/results.json" ]; then echo "skip $name/$ds"; return; fi
  if [ "$ds" = 20newsgroups ]; then
    # The embedding job fills the cache with 20newsgroups; never embed the same data twice at once.
    while [ -f /tmp/sift-embed-job/job.log ] && ! grep -q "=== preferences" /tmp/sift-embed-job/job.log; do sleep 120; done
  fi
  echo "=== $name/$ds $(date +%T) $*"
  mkdir -p "$dir"
  sift simulate --train "$DATA/$ds/train.jsonl" --test "$DATA/$ds/test.jsonl" \
    --seeds 3 --seed-size 50 --batch 50 --budget 3000 --quiet --out "$dir" "$@" > "$dir/log.txt" 2>&1 \
    || { echo "FAILED $name/$ds (see $dir/log.txt)"; mv "$dir/log.txt" "$dir/failed.txt"; }
  tail -n 3 "$dir/log.txt" 2>/dev/null | head -n 1
}

# The ablation in two parts: what the default is chosen from (features x cold start, with margin and margin-kmeans,
# random always the control), then what self-training, calibration and block weights add to it.
ablation() {
  for ds in trec sst2; do
    run abl-tfidf "$ds" --features tfidf $STRATS
    run abl-concat "$ds" --features tfidf+minilm $STRATS
    run abl-concat-kmeans "$ds" --features tfidf+minilm --seed-strategy kmeans $STRATS
  done
}

ablation2() {
  for ds in trec sst2; do
    run abl-minilm "$ds" --features minilm $STRATS
    run abl-concat-kmeans-self "$ds" --features tfidf+minilm --seed-strategy kmeans --self-train 0.95,0.3,1 $STRATS
    run abl-concat-kmeans-cal "$ds" --features tfidf+minilm --seed-strategy kmeans --calibrate $STRATS
    run abl-concat-w12-kmeans "$ds" --features tfidf+minilm --feature-weights 1,2 --seed-strategy kmeans $STRATS
    run abl-minilm-kmeans "$ds" --features minilm --seed-strategy kmeans $STRATS
  done
}

main() {
  for ds in trec sms-spam sst2 ag-news reuters-r8 20newsgroups; do
    # shellcheck disable=SC2086
    run default "$ds" $DEFAULT_ARGS
  done
  for ds in trec sms-spam sst2 ag-news reuters-r8 20newsgroups; do
    # (a) the usual pipeline, re-measured with this build (the engine benchmark's random runs are the same protocol,
    # and bench/encoder_summary.py falls back to them).
    run baseline "$ds" --features tfidf --strategy random
  done
}

case "${1:-all}" in
  ablation) ablation; ablation2 ;;
  main) main ;;
  all) ablation; main; ablation2 ;;
esac
echo "=== done $(date +%T)"

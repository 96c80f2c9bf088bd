#!/usr/bin/env bash
# Copies the finished runs of bench/encoder-benchmarks.sh ($OUT, default /tmp/sift-w11-bench) into
# docs/benchmarks/encoder/<config>/<dataset>/ (results.json, curves.csv and the two charts; not the large evidence file)
# and prints the tables of bench/encoder_summary.py. Run it as often as you like while the job runs.
set -eu
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sift-w11-bench}
for f in "$OUT"/*/*/results.json; do
  [ -f "$f" ] || continue
  dir=$(dirname "$f"); ds=$(basename "$dir"); cfg=$(basename "$(dirname "$dir")")
  dest=docs/benchmarks/encoder/$cfg/$ds
  mkdir -p "$dest"
  cp "$dir"/results.json "$dir"/curves.csv "$dir"/learning-curves.svg "$dir"/reliability.svg "$dest"/ 2>/dev/null || true
done
python3 bench/encoder_summary.py "$OUT"

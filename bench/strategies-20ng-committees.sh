#!/usr/bin/env bash
# 20newsgroups group d of the strategy matrix (qbc-vote, qbc-kl, bald, eer; 3 seeds, budget 3,000), one
# (strategy, seed) per process so an interrupted run loses one part only; parts already written are skipped, so the
# script can be re-run until everything exists. Then merges the parts and groups a–c into the 20newsgroups results.
set -euo pipefail
cd "$(dirname "$0")/.."
d=20newsgroups; root=docs/benchmarks/strategies/$d
# bald seeds 1 and 2 last: bald is the same quantity as qbc-kl (tested identity; identical curves on the other four
# datasets; seed 0 of both runs early to check it here too), so if
# time runs out the parts left are the ones whose result is already known.
for part in qbc-vote-0 qbc-kl-0 bald-0 eer-0 qbc-vote-1 qbc-kl-1 eer-1 qbc-vote-2 qbc-kl-2 eer-2 bald-1 bald-2; do
  st=${part%-*}; s=${part##*-}
  {
    out=$root/d/$st-$s
    [[ -f $out/results.json ]] && continue
    echo "$(date -u +%FT%T) $st seed $s"
    nice -n 10 ./sift simulate --train ../shared/datasets/$d/train.jsonl --test ../shared/datasets/$d/test.jsonl \
      --strategy "$st" --seeds 1 --first-seed "$s" --seed-size 50 --batch 50 --budget 3000 --out "$out" --quiet </dev/null
  }
done
# The bandit benchmark's file comes first: its auto (the current bandit) and margin-kmeans (current k-means kernel) runs
# replace the older ones in group a; its random runs are identical to the groups'.
./sift merge --out "$root" docs/benchmarks/bandit/$d/results.json "$root"/{a,b,c}/results.json "$root"/d/*/results.json
python3 bench/summarize.py "$root/results.json"
python3 bench/summarize.py --matrix docs/benchmarks/strategies/{trec,sst2,ag-news,reuters-r8,20newsgroups}/results.json

#!/usr/bin/env bash
# Preference benchmarks (preference issue, engine part): Bradley–Terry reward model with ties on MiniLM vectors,
# active pair selection vs random, 3 seeds, seed set 50, batch 50, budget 2,000. Vectors come from the embedding
# cache ($SIFT_CACHE/embeddings or ~/.cache/sift/embeddings; 'sift embed' fills it, misses are embedded on first use).
# Writes docs/benchmarks/preferences/*.json and prints the tables of docs/benchmarks.md, "Preference data (engine)".
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Sift.Bench -c Release
bench="dotnet bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll"
out=docs/benchmarks/preferences
mkdir -p "$out"
strategies=pair-uncertainty,pair-dopt,pair-uncertainty-dopt
# 1. Controlled preferences from SST-2 sentences: 10,000 pool pairs, 5,000 test pairs; 25% same-label pairs as ties
#    (then the same runs with ties dropped before fitting), and without ties (the issue's reference setting).
$bench pref-sst2 --tie-share 0.25 --pool 10000 --test 5000 --strategies $strategies --drop-strategies pair-dopt --out "$out/sst2-ties.json"
$bench pref-sst2 --tie-share 0 --pool 10000 --test 5000 --strategies $strategies --out "$out/sst2-no-ties.json"
# 2. HH-RLHF helpful: full-data feature ablation (C and scalar scale by 5-fold CV on train), then active vs random
#    with the prompt-aware features.
$bench pref-hh-features
$bench pref-hh --features all --c 0.1 --strategies $strategies --out "$out/hh-all.json"

#!/usr/bin/env bash
# Preference benchmarks (docs/benchmarks.md, "Preference data"): the Bradley–Terry reward model with ties on MiniLM
# vectors, active pair selection vs random, 3 seeds, seed set 50, batch 50, budget 2,000, through `sift simulate`
# (the same loop and results.json as text items). Vectors come from the embedding cache (~/.cache/sift/embeddings or
# $SIFT_CACHE/embeddings; 'sift embed' fills it, misses are embedded on first use).
#
# Usage: bench/preference-benchmarks.sh [OUT_DIR]   (default /tmp/sift-pref-bench)
# Resumable: a run whose results.json exists is skipped. SIFT_DLL=path/to/sift.dll runs a fixed build instead of ./sift.
# Prints the tables of docs/benchmarks.md at the end (bench/preference_summary.py).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/sift-pref-bench}"
mkdir -p "$out"
if [[ -n "${SIFT_DLL:-}" ]]; then sift=(dotnet "$SIFT_DLL"); else sift=(./sift); fi
hh=../shared/datasets/preferences-hh-rlhf-helpful
[[ -d "$hh" ]] || hh=/work/shared/datasets/preferences-hh-rlhf-helpful
common=(--seeds 3 --seed-size 50 --batch 50 --budget 2000 --quiet)
active=(--strategy pair-uncertainty pair-dopt pair-uncertainty-dopt)

run() { # NAME ARGS...: one `sift simulate` into $out/NAME, skipped when done
  local name=$1; shift
  if [[ -f "$out/$name/results.json" ]]; then echo "skip $name (done)"; return; fi
  echo "$(date -u +%H:%M:%S) start $name"
  "${sift[@]}" simulate "$@" "${common[@]}" --out "$out/$name.partial" > "$out/$name.log" 2>&1
  rm -rf "$out/$name"; mv "$out/$name.partial" "$out/$name"
  echo "$(date -u +%H:%M:%S) done $name"
}

# 1. Controlled preferences from SST-2 sentences (bench/preference_pairs.py): 10,000 pool pairs, 5,000 test pairs,
#    the encoder's response vector only (the prompt is the same for every pair). Without ties (the issue's reference
#    setting), then with 25% same-label pairs as ties: tie-aware (Davidson, Rao–Kupper) vs ties dropped.
python3 bench/preference_pairs.py "$out/data/sst2-no-ties" --tie-share 0
python3 bench/preference_pairs.py "$out/data/sst2-ties" --tie-share 0.25
sst=(--features minilm --pair-features response --C 1)
run sst2-no-ties --train "$out/data/sst2-no-ties/train.jsonl" --test "$out/data/sst2-no-ties/test.jsonl" "${sst[@]}" "${active[@]}"
run sst2-ties-davidson --train "$out/data/sst2-ties/train.jsonl" --test "$out/data/sst2-ties/test.jsonl" "${sst[@]}" "${active[@]}" --ties davidson
run sst2-ties-drop --train "$out/data/sst2-ties/train.jsonl" --test "$out/data/sst2-ties/test.jsonl" "${sst[@]}" --strategy pair-uncertainty --ties drop
run sst2-ties-rao-kupper --train "$out/data/sst2-ties/train.jsonl" --test "$out/data/sst2-ties/test.jsonl" "${sst[@]}" --strategy pair-uncertainty --ties rao-kupper

# 2. HH-RLHF helpful (4,951 pool pairs, 1,243 test pairs): the prompt-aware features (response, response ⊙ request,
#    cosine, traits) at C = 0.1 (chosen by 5-fold CV in `Sift.Bench pref-hh-features`), and the issue's baseline
#    features (response vector + log length: --pair-features response,traits is the closest block set).
run hh-all --train "$hh/train.jsonl" --test "$hh/test.jsonl" --features minilm --pair-features all --C 0.1 "${active[@]}"
run hh-response --train "$hh/train.jsonl" --test "$hh/test.jsonl" --features minilm --pair-features response --C 0.3 --strategy pair-uncertainty

# 3. HH-RLHF helpful, full-data feature ablation: which blocks the reward model learns from (C and the scale of the
#    scalar features by 5-fold cross-validation on the pool; test accuracy on the test split).
if [[ ! -s "$out/hh-features.md" ]]; then
  dotnet build bench/Sift.Bench -c Release --nologo -v q -clp:ErrorsOnly
  dotnet bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll pref-hh-features > "$out/hh-features.md.partial"
  mv "$out/hh-features.md.partial" "$out/hh-features.md"
fi
cat "$out/hh-features.md"

python3 bench/preference_summary.py "$out"

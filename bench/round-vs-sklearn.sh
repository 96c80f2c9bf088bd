#!/usr/bin/env bash
# One active-learning round with the encoder issue's default (TF-IDF + MiniLM, margin-kmeans) at 1,500 labels on
# ag-news against scikit-learn's LogisticRegression fit on the same 1,500 rows, in one run (same machine state).
# MiniLM vectors come from the embedding cache (fill it first: ./sift embed --train ag-news/train.jsonl); embedding is
# excluded. Needs python3-sklearn (Debian; PYTHON names the interpreter, default /usr/bin/python3). Usage: bench/round-vs-sklearn.sh [DATASET] [LABELS]
set -euo pipefail
cd "$(dirname "$0")/.."
ds=${1:-ag-news}; labels=${2:-1500}
dotnet build -c Release bench/Sift.Bench -v q -nologo >/dev/null
rows=$(mktemp -d)/rows.svmlight
dotnet bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll round-features "$ds" --labels "$labels" --export "$rows" | tee "$rows.sift.txt"
${PYTHON:-/usr/bin/python3} bench/sklearn_fit.py "$rows" | tee "$rows.sk.txt"
sift=$(sed -n 's/^SIFT_ROUND_MS //p' "$rows.sift.txt"); sk=$(sed -n 's/^SKLEARN_FIT_MS //p' "$rows.sk.txt")
${PYTHON:-/usr/bin/python3} -c "print(f'scikit-learn fit / Sift round = {float($sk)/float($sift):.1f}x')"

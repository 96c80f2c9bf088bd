#!/usr/bin/env bash
# Submit throughput with and without the hash-chained evidence (governance issue), alternating builds in one window:
# per run, `sift serve` on a fresh SQLite file, 32 annotators, trainer idle, 50,000 items, SECONDS_PER_RUN (20) s.
# Usage: bench/chain-cost.sh PAIRS LABEL=CLI_DLL [LABEL=CLI_DLL ...]   (each CLI_DLL a built sift.dll; runs alternate)
# Prints the load client's table row per run; Sift.Bench is built from this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=$1; shift
dotnet build bench/Sift.Bench -c Release --nologo -v q -clp:ErrorsOnly >&2
bench=bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll
port=5290
for ((i = 1; i <= pairs; i++)); do
  for arm in "$@"; do
    label=${arm%%=*} cli=${arm#*=}
    port=$((port + 1))
    work=$(mktemp -d /tmp/chain-cost.XXXXXX)
    token=$(dotnet "$cli" users add --db "$work/load.db" --name bench-admin --role admin | sed -n 's/.*Token (shown once): //p')
    HOME="$work" dotnet "$cli" serve --db "$work/load.db" --port "$port" >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
    dotnet "$bench" load --url "http://127.0.0.1:$port" --token "$token" --clients 32 --seconds "${SECONDS_PER_RUN:-20}" --label "$label" \
      --retrain-every 100000 --items 50000 --reviewers 0 --reads agreement --server-pid "$server" | grep "^| [a-z]" || true
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$work"
  done
done

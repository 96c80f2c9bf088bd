#!/usr/bin/env bash
# Load benchmark of the labeling server (issue #4): fetch-next + submit by N simulated annotators over loopback HTTP,
# against `sift serve` on SQLite and on PostgreSQL. Prints one markdown table row per (backend, clients).
# Usage: bench/load-benchmarks.sh [seconds per run, default 20] [clients, default 8,32,128] [retrain every N labels, default 100000 = trainer idle]
# Environment: ITEMS (items per project, default 50000); REVIEWERS (simulated reviewers looping reads, default 0) and
# READS (what they read, default agreement,annotations; also tasks, dashboard); BACKENDS (default "sqlite postgresql").
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}; clients=${2:-8,32,128}; retrain=${3:-100000}
items=${ITEMS:-50000}; reviewers=${REVIEWERS:-0}; reads=${READS:-agreement,annotations}; backends=${BACKENDS:-sqlite postgresql}
work=$(mktemp -d /tmp/sift-load.XXXXXX); chmod 777 "$work"
server=""; pgdata=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [[ -n "$pgdata" ]] && runuser -u postgres -- pg_ctl -D "$pgdata" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
./sift --help >/dev/null   # builds the CLI once
dotnet build bench/Sift.Bench -c Release --nologo -v q -clp:ErrorsOnly
bench="dotnet bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll"

server_pid() { # the dotnet process under ./sift serve (the script may exec it or run it as a child)
  local pid=$1 child
  child=$(pgrep -P "$pid" -n dotnet 2>/dev/null || true)
  echo "${child:-$pid}"
}

run_backend() { # label, storage option, storage value, port
  local label=$1 opt=$2 value=$3 port=$4 token
  token=$(./sift users add "$opt" "$value" --name bench-admin --role admin | sed -n 's/.*Token (shown once): //p')
  ./sift serve "$opt" "$value" --port "$port" >"$work/$label.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  $bench load --url "http://127.0.0.1:$port" --token "$token" --clients "$clients" --seconds "$seconds" --label "$label" --retrain-every "$retrain" \
    --items "$items" --reviewers "$reviewers" --reads "$reads" --server-pid "$(server_pid "$server")"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

if [[ " $backends " == *" sqlite "* ]]; then run_backend sqlite --db "$work/load.db" 5181; fi
[[ " $backends " == *" postgresql "* ]] || exit 0

bin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | head -n 1)")")
pgdata="$work/pg"; mkdir -p "$pgdata" "$work/sock"; chown postgres "$pgdata" "$work/sock"
runuser -u postgres -- "$bin/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata" -l "$work/pg.log" -o "-p 55481 -k $work/sock -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null
runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p 55481 sift
run_backend postgresql --postgres "Host=127.0.0.1;Port=55481;Username=postgres;Database=sift;Maximum Pool Size=200" 5182

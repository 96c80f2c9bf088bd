#!/usr/bin/env bash
# Busy-server load benchmark (issue 9): per run, 32 annotators label a 200,000-item project with the trainer idle (the
# baseline), then a second 200,000-item project while its trainer re-ranks it back to back (retrain every 50 labels,
# default strategy margin-kmeans) and 8 reviewers keep its dashboard page open (it polls every 4 s; then one stress run
# where they read the dashboard, annotations and agreement endpoints back to back).
# Runs `sift serve` (a real process) on SQLite and on a throwaway PostgreSQL 15 (initdb + pg_ctl, fsync on). For
# PostgreSQL it also samples what the database's active sessions wait on (pg_stat_activity, every 100 ms), measures the
# disk's fsync rate (pg_test_fsync) and repeats one run with synchronous_commit=off, to show what bounds it.
# Usage: bench/load-busy-benchmarks.sh [seconds per window, default 20] [runs per backend, default 3] [backends, default sqlite,postgresql]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}; runs=${2:-3}; backends=${3:-sqlite,postgresql}
work=$(mktemp -d /tmp/sift-load-busy.XXXXXX); chmod 777 "$work"
server=""; pgdata=""; sampler=""
cleanup() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [[ -n "$pgdata" ]] && runuser -u postgres -- pg_ctl -D "$pgdata" stop -m fast >/dev/null 2>&1 || true
  # Server logs are kept when asked: BENCH_LOGS=DIR.
  [[ -n "${BENCH_LOGS:-}" ]] && mkdir -p "$BENCH_LOGS" && cp "$work"/*.log "$BENCH_LOGS"/ 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
./sift --help >/dev/null   # builds the CLI once
dotnet build bench/Sift.Bench -c Release --nologo -v q -clp:ErrorsOnly
bench="dotnet bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll"

start_server() { # label, storage option, storage value, port, extra serve options…
  local label=$1 opt=$2 value=$3 port=$4
  shift 4
  token=$(./sift users add "$opt" "$value" --name "bench-admin-$RANDOM$RANDOM" --role admin | sed -n 's/.*Token (shown once): //p')
  ./sift serve "$opt" "$value" --port "$port" "$@" >"$work/$label.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
}

stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

if [[ ,$backends, == *,sqlite,* ]]; then
  # A fresh database per run, so no run inherits the previous runs' 400,000 items.
  for r in $(seq 1 "$runs"); do
    start_server "sqlite-$r" --db "$work/load-$r.db" 5183
    $bench load-busy --url http://127.0.0.1:5183 --token "$token" --seconds "$seconds" --label SQLite
    stop_server
  done
  echo "# stress: the 8 reviewers read dashboard, annotations and agreement back to back instead of polling like the page"
  start_server sqlite-loop --db "$work/load-loop.db" 5185
  $bench load-busy --url http://127.0.0.1:5185 --token "$token" --seconds "$seconds" --label "SQLite, reviewers in a loop" --reviewer-mode loop
  stop_server
fi

if [[ ,$backends, == *,postgresql,* ]]; then
  bin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | head -n 1)")")
  pgdata="$work/pg"; mkdir -p "$pgdata" "$work/sock"; chown postgres "$pgdata" "$work/sock"
  runuser -u postgres -- "$bin/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
  echo "# pg_test_fsync on the data directory's disk (2 s per test):"
  runuser -u postgres -- "$bin/pg_test_fsync" -s 2 -f "$pgdata/fsync-test" | sed -n '/open_datasync\|fdatasync\|fsync \|fsync_writethrough\|open_sync/p' | sed 's/^/#   /'
  runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata" -l "$work/pg.log" -o "-p 55483 -k $work/sock -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null
  runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p 55483 sift
  psql_() { runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p 55483 -U postgres -d sift -Atq "$@"; }
  connection="Host=127.0.0.1;Port=55483;Username=postgres;Database=sift;Maximum Pool Size=200"
  start_server postgresql --postgres "$connection" 5184
  for r in $(seq 1 "$runs"); do
    if [[ $r -eq 1 ]]; then
      # What active sessions wait on, sampled every 100 ms through the whole run (setup and warm-up included).
      ( while true; do psql_ -c "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') FROM pg_stat_activity WHERE datname = 'sift' AND state = 'active' AND pid <> pg_backend_pid()" 2>/dev/null; sleep 0.1; done ) >"$work/waits.txt" &
      sampler=$!
    fi
    $bench load-busy --url http://127.0.0.1:5184 --token "$token" --seconds "$seconds" --label PostgreSQL
    if [[ $r -eq 1 ]]; then
      kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=""
      echo "# PostgreSQL active-session samples during run 1, by wait event (share of $(wc -l <"$work/waits.txt") samples):"
      sort "$work/waits.txt" | uniq -c | sort -rn | head -n 8 | awk -v n="$(wc -l <"$work/waits.txt")" '{ printf "#   %5.1f%%  %s\n", 100 * $1 / n, $2 }'
    fi
  done
  echo "# diagnostic: synchronous_commit=off (commits no longer wait for the WAL flush)"
  psql_ -c "ALTER SYSTEM SET synchronous_commit = off" -c "SELECT pg_reload_conf()" >/dev/null
  $bench load-busy --url http://127.0.0.1:5184 --token "$token" --seconds "$seconds" --label "PostgreSQL, synchronous_commit=off"
  stop_server
fi

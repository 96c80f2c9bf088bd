#!/usr/bin/env bash
# How long `./sift serve --demo` takes to hand out its first task on a fresh clone, with a cold embedding cache (a new
# database: the server keeps sentence vectors in its embedding table), and how the background embedding of the demo
# corpus proceeds after that (polled from the dashboard until done or --watch seconds).
#
#   bench/demo-first-task.sh [--repo PATH_OR_URL] [--cold-corpus] [--watch SECONDS] [--out FILE]
#
# --repo         what to clone (default: this repository's committed HEAD)
# --cold-corpus  also start with an empty SIFT_CACHE (before issue 14 this made npm fetch the corpus; the corpus now
#                ships inside the CLI, so it only empties the cache)
# --watch        seconds to follow the embedding after the first task (default 3600)
# Prints one line per step; the times are wall-clock seconds from the start of `./sift serve --demo`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cold=0; watch=3600; out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repo) repo="$2"; shift 2 ;;
    --cold-corpus) cold=1; shift ;;
    --watch) watch="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
{
  echo "machine: $(nproc) cores, $(uname -sr), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  git clone -q "$repo" "$work/sift"
  echo "clone: $(git -C "$work/sift" rev-parse --short HEAD)"
  cd "$work/sift"
  t=$(now); ./sift --help >/dev/null; echo "build (./sift, Release): $(since "$t") s"
  [[ $cold -eq 1 ]] && export SIFT_CACHE="$work/cache"
  start=$(now)
  ./sift serve --demo --port 0 --db "$work/demo.db" >"$work/serve.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
  until grep -q '^Press Ctrl-C' "$work/serve.log"; do
    kill -0 $pid 2>/dev/null || { cat "$work/serve.log"; exit 1; }
    sleep 0.2
  done
  echo "server ready (demo project created and imported): $(since "$start") s"
  url=$(sed -n 's/^Sift is listening on \(http:[^ ]*\).*/\1/p' "$work/serve.log" | head -1); url=${url%/}
  admin=$(sed -n "s/^Admin token for user 'admin' (shown once): //p" "$work/serve.log")
  annotator=$(sed -n "s/.*paste the token of user 'annotator': //p" "$work/serve.log")
  project=$(sed -n 's#.*/annotate/\([0-9]*\).*#\1#p' "$work/serve.log" | head -1)
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $annotator" "$url/api/projects/$project/tasks/next")" == 200 ]]; do sleep 0.1; done
  echo "first task handed out: $(since "$start") s"
  deadline=$(python3 -c "print($(now) + $watch)")
  while :; do
    e=$(curl -s -H "Authorization: Bearer $admin" "$url/api/projects/$project/dashboard" | python3 -c '
import json, sys
e = json.load(sys.stdin).get("embedding") or {}
rate = e.get("rate"); eta = e.get("eta_seconds")
print(e.get("state"), e.get("done"), e.get("total"), "-" if rate is None else f"{rate:.1f}", "-" if eta is None else f"{eta:.0f}")')
    read -r state done total rate eta <<<"$e"
    echo "t=$(since "$start") s embedding: $state $done/$total rate=$rate items/s eta=$eta s load=$(cut -d' ' -f1 /proc/loadavg)"
    [[ "$state" == done || "$state" == failed ]] && break
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > $(now) else 1)" "$deadline" || break
    sleep 15
  done
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee ${out:+"$out"}

#!/usr/bin/env bash
# Cost of redaction on import (governance issue): starts `sift serve` (a real process) on a new SQLite file and uploads
# the demo corpus (6,046 SpamAssassin e-mails) into projects with redaction on and off, alternately.
# Usage: bench/redaction-import.sh [repeats, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
work=$(mktemp -d /tmp/sift-redact.XXXXXX)
server=""
cleanup() { [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
./sift --help >/dev/null   # builds the CLI once
dotnet build bench/Sift.Bench -c Release --nologo -v q -clp:ErrorsOnly
token=$(./sift users add --db "$work/sift.db" --name bench-admin --role admin | sed -n 's/.*Token (shown once): //p')
./sift serve --db "$work/sift.db" --port 5191 --checkpoints off >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:5191/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
dotnet bench/Sift.Bench/bin/Release/net10.0/Sift.Bench.dll pii-import --url http://127.0.0.1:5191 --token "$token" --repeats "$repeats"

#!/usr/bin/env bash
# Fuzzes Sift's untrusted-input readers for a bounded time (not part of CI; see docs/fuzzing.md).
#
#   fuzz/run.sh [TARGET|all] [SECONDS]
#
# TARGET: jsonl csv import strategy stoprule annotations (.NET: SharpFuzz-instrumented, under afl-fuzz) or markdown
# (the instructions renderer, under the Node fuzzer in fuzz/markdown). Default: all, 60 seconds each.
# Environment: FUZZ_OUT (default fuzz/.out) holds the build, findings and logs; FUZZ_SEED seeds the Node fuzzer
# (default 1); FUZZ_REUSE_BUILD=1 skips re-publishing and re-instrumenting when $FUZZ_OUT/bin exists;
# `dotnet $FUZZ_OUT/replay/Sift.Fuzz.dll TARGET --replay FILE...` runs saved inputs again, uninstrumented.
# Exit code: 0 when nothing crashed or hung, 1 when something did (replayed below the summary), 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-all}
seconds=${2:-60}
out=${FUZZ_OUT:-$here/.out}
dotnet_targets=(jsonl csv import strategy stoprule annotations)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

case "$target" in
  all) targets=("${dotnet_targets[@]}" markdown) ;;
  jsonl|csv|import|strategy|stoprule|annotations|markdown) targets=("$target") ;;
  *) echo "usage: fuzz/run.sh [all|${dotnet_targets[*]// /|}|markdown] [seconds]" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "seconds must be a positive whole number" >&2; exit 2; }
mkdir -p "$out/findings"

needs_dotnet=false
for t in "${targets[@]}"; do [[ $t != markdown ]] && needs_dotnet=true; done

if $needs_dotnet; then
  if ! command -v afl-fuzz >/dev/null; then
    echo "afl-fuzz is missing: installing Debian's afl++" >&2
    apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
  fi
  if [[ "${FUZZ_REUSE_BUILD:-}" != 1 || ! -f "$out/replay/Sift.Fuzz.dll" ]]; then
    # Instrument a fresh copy: sharpfuzz rewrites an assembly in place and refuses one it has already rewritten.
    # The uninstrumented copy replays findings: instrumented code writes to afl-fuzz's shared memory, so it only runs under it.
    rm -rf "$out/bin" "$out/replay"
    dotnet publish "$here/Sift.Fuzz" -c Release -o "$out/bin" --nologo -v quiet
    cp -r "$out/bin" "$out/replay"
    (cd "$here" && dotnet tool restore >/dev/null)
    (cd "$here" && dotnet tool run sharpfuzz "$out/bin/Sift.Core.dll")
    (cd "$here" && dotnet tool run sharpfuzz "$out/bin/Sift.Server.dll" Sift.Server.Import)
    (cd "$here" && dotnet tool run sharpfuzz "$out/bin/CsvHelper.dll")
  fi
fi

dict_args() {
  case "$1" in
    jsonl|annotations) echo "-x $here/dict/json.dict" ;;
    csv) echo "-x $here/dict/csv.dict" ;;
    import) echo "-x $here/dict/json.dict -x $here/dict/csv.dict" ;;
    strategy) echo "-x $here/dict/strategy.dict" ;;
    stoprule) echo "-x $here/dict/stoprule.dict" ;;
  esac
}

stat() { sed -n "s/^$2 *: //p" "$1" | head -n 1; }

summary="$out/summary.txt"
printf '%-12s %8s %12s %10s %8s %8s %6s\n' target seconds executions exec/s corpus crashes hangs | tee "$summary"
found=0
for t in "${targets[@]}"; do
  findings="$out/findings/$t"
  rm -rf "$findings"
  if [[ $t == markdown ]]; then
    node "$here/markdown/fuzz-markdown.mjs" --seconds "$seconds" --seed "${FUZZ_SEED:-1}" \
      --corpus "$here/corpus/markdown" --out "$findings" > "$out/markdown.log" 2>&1 || true
    stats="$findings/fuzzer_stats"
  else
    # afl-fuzz runs the harness in SharpFuzz's out-of-process mode: a stack overflow is a crash, not the end of the run.
    # The heap limit turns runaway allocation into an OutOfMemoryException (a crash) instead of swapping the machine.
    # shellcheck disable=SC2046
    AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
      DOTNET_GCHeapHardLimit=0x40000000 \
      afl-fuzz -i "$here/corpus/$t" -o "$findings" -V "$seconds" -t 2000 -m none $(dict_args "$t") \
      -- "$(command -v dotnet)" "$out/bin/Sift.Fuzz.dll" "$t" > "$out/$t.log" 2>&1 || true
    stats="$findings/default/fuzzer_stats"
  fi
  if [[ ! -f "$stats" ]]; then
    echo "$t: the fuzzer did not start; see $out/$t.log" | tee -a "$summary"
    tail -n 20 "$out/$t.log" >&2
    found=1
    continue
  fi
  crashes=$(stat "$stats" saved_crashes); hangs=$(stat "$stats" saved_hangs)
  printf '%-12s %8s %12s %10s %8s %8s %6s\n' "$t" "$(stat "$stats" run_time)" "$(stat "$stats" execs_done)" \
    "$(stat "$stats" execs_per_sec)" "$(stat "$stats" corpus_count)" "$crashes" "$hangs" | tee -a "$summary"
  if [[ "$crashes" != 0 || "$hangs" != 0 ]]; then
    found=1
    if [[ $t == markdown ]]; then
      node "$here/markdown/fuzz-markdown.mjs" --replay "$findings/crashes" "$findings/hangs" 2>&1 | tail -n 40
    else
      echo "--- $t: replaying what afl-fuzz saved (an input that overflows the stack ends the replay)"
      dotnet "$out/replay/Sift.Fuzz.dll" "$t" --replay "$findings/default/crashes" "$findings/default/hangs" 2>&1 | tail -n 40 || true
    fi
  fi
done
echo "findings and logs: $out"
exit $found

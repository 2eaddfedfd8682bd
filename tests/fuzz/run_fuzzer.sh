#!/usr/bin/env bash
# run_fuzzer.sh NAME FUZZER SECONDS WORK SEEDS REGRESSIONS DICT MESSAGE PROTOC PROTO_DIR
# One fuzz ctest (tests/fuzz/CMakeLists.txt registers it): copies the
# committed seeds and regressions into WORK/corpus, never writing into the
# source tree (*.txtpb seeds are protobuf text of MESSAGE, encoded to the
# wire format on the way), runs the fuzzer for SECONDS, and fails on any
# finding with the end of the log and the reproducer's path. DICT and
# MESSAGE may be empty. WORK/summary.txt gets one line of statistics.
set -euo pipefail
name=$1 fuzzer=$2 seconds=$3 work=$4 seeds=$5 regressions=$6 dict=$7
message=$8 protoc=$9 proto_dir=${10}

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
count=0
for kind in seed regression; do
  if [ "$kind" = seed ]; then dir=$seeds; else dir=$regressions; fi
  [ -d "$dir" ] || continue
  for file in "$dir"/*; do
    [ -f "$file" ] || continue
    base=$(basename "$file")
    [ "$base" = README.md ] && continue
    count=$((count + 1))
    if [[ "$base" == *.txtpb ]]; then
      if [ -z "$message" ]; then
        echo "$file: a .txtpb seed, but $name has no MESSAGE" >&2
        exit 1
      fi
      if ! "$protoc" --encode="$message" -I"$proto_dir" \
          sitrep/v1/situation_feed.proto <"$file" >"$work/corpus/$kind-$base.bin"; then
        echo "$file is not a valid $message (protobuf text)" >&2
        exit 1
      fi
    else
      cp "$file" "$work/corpus/$kind-$base"
    fi
  done
done

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
      -print_final_stats=1 -artifact_prefix="$work/artifacts/")
[ -n "$dict" ] && args+=(-dict="$dict")
log=$work/fuzz.log
echo "$name: $count seeds, ${seconds}s: $fuzzer ${args[*]} $work/corpus"
rc=0
"$fuzzer" "${args[@]}" "$work/corpus" >"$log" 2>&1 || rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
coverage=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[^ ]*' "$log" | tail -n 1 || true)
summary="$name: ${runs:-?} runs, ${speed:-?} exec/s, ${coverage:-no coverage line}"
echo "$summary" >"$work/summary.txt"

if [ "$rc" -ne 0 ]; then
  echo "---- last 80 lines of $log ----"
  tail -n 80 "$log"
  echo "----"
  echo "$name: FAILED (exit $rc). Reproducer(s):"
  ls -1 "$work"/artifacts/* 2>/dev/null || echo "  (none written)"
  echo "Re-run one: $fuzzer <file>"
  echo "Minimise it: $fuzzer -minimize_crash=1 -runs=100000 <file>"
  echo "Keep it as tests/fuzz/regressions/$name/<short-name> once understood."
  exit 1
fi
echo "$summary"

#!/usr/bin/env bash
# Quiet rerun of h24-paint (issue 24, "Big situations"): the bundled
# dashboard's first complete paint with 10,000 open incidents, headless
# Chromium against a real sitrepd. Target: <= 1,000 ms.
#
#   bench/compare/h24-paint.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
#   ROUNDS=3 (default) alternates before/after ROUNDS times, one run each.
#
# Each build's sitrepd gets its own data dir and ports (port 0, read back
# from the port files), is filled by bench/fill_incidents.sh 10000 and gets
# one warm-up compact request (so no round pays the first printing of the
# 10,000 compact pieces; bench's big_situation prints that figure apart).
# Then tests/browser/situation_paint.mjs (of the AFTER tree, for both) runs
# once per build per round, alternated. Prints every run with the page's own
# marks, then the medians next to the target. Bounded: every command has a
# timeout; ~1-2 minutes in all on an idle machine.
set -uo pipefail
after=$(cd "${1:?usage: h24-paint.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}" && pwd)
before=${2:+$(cd "$2" && pwd)}
rounds=${ROUNDS:-3}
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$after/CMakeCache.txt")
[[ -f $src/tests/browser/situation_paint.mjs ]] || { echo "no source tree for $after" >&2; exit 2; }
# One CLI fills both (a gRPC client: any build's does).
cli=$after/client/sitrep
[[ -x $cli || -z $before ]] || cli=$before/client/sitrep
work=$(mktemp -d /tmp/h24-paint-quiet.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME BUILD: a sitrepd of BUILD filled with 10,000 incidents; sets
# http_<NAME> to its HTTP port.
start() {
  local name=$1 build=$2 dir=$work/$1
  mkdir -p "$dir"
  "$build/server/sitrepd" --data_dir="$dir/data" --listen=127.0.0.1:0 --port_file="$dir/grpc.port" \
    --http_address=127.0.0.1:0 --http_port_file="$dir/http.port" --metrics_address= \
    --fsync=off >"$dir/sitrepd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [[ -s $dir/grpc.port && -s $dir/http.port ]] && break; sleep 0.1; done
  [[ -s $dir/http.port ]] || { echo "$name: sitrepd did not start:" >&2; tail "$dir/sitrepd.log" >&2; exit 1; }
  SITREP_CLI=$cli timeout 120 "$src/bench/fill_incidents.sh" 10000 \
    --server="127.0.0.1:$(cat "$dir/grpc.port")" >"$dir/fill.log" 2>&1 \
    || { echo "$name: fill failed:" >&2; tail "$dir/fill.log" >&2; exit 1; }
  local port; port=$(cat "$dir/http.port")
  timeout 60 curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/v1/situation?view=compact"
  printf -v "http_$name" '%s' "$port"
  echo "$name: $build/server/sitrepd, http://127.0.0.1:$port/ ($(tail -1 "$dir/fill.log"))"
}

# paint NAME: one run of situation_paint.mjs; appends its ms to $work/NAME.ms.
paint() {
  local name=$1 port_var=http_$1
  local out; out=$(cd "$src/tests/browser" && timeout 90 node situation_paint.mjs \
    --url="http://127.0.0.1:${!port_var}/" --runs=1 2>&1)
  echo "$out" | grep '^run' | sed "s/^/  $name /"
  echo "$out" | awk -F'\t' '/^RESULT/ {print $4}' >>"$work/$name.ms"
}

median() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "none"}'; }

echo "h24-paint quiet rerun, $(date -u +%H:%M:%S) UTC, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
start after "$after"
[[ -n $before ]] && start before "$before"
for round in $(seq "$rounds"); do
  echo "round $round (load $(cut -d' ' -f1 /proc/loadavg)):"
  [[ -n $before ]] && paint before
  paint after
done
echo "end $(date -u +%H:%M:%S) UTC, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "FIRST COMPLETE PAINT, 10,000 open incidents, median of $rounds (target <= 1000 ms):"
[[ -n $before ]] && echo "  before: $(tr '\n' ' ' <"$work/before.ms")-> median $(median "$work/before.ms") ms"
echo "  after:  $(tr '\n' ' ' <"$work/after.ms")-> median $(median "$work/after.ms") ms"

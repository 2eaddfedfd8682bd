#!/usr/bin/env bash
# User-space instructions per delivery of a fan-out server, repeatable under
# load (a CPU figure in seconds is not, on a shared machine): sitrep-bench
# runs its fan-out in lockstep (--lag_limit=0: one update per write, the
# shape of a low rate) with SERVER started under valgrind's callgrind,
# instrumentation off; a window of WINDOW seconds in the middle of phase A
# is counted (`callgrind_control -i on|off`) and dumped.
#
#   bench/callgrind_fanout.sh sitrep|ceiling|sse SERVER OUT [N] [WINDOW]
#   SITREP_BENCH=build/bench/sitrep-bench \
#     bench/callgrind_fanout.sh sitrep build/server/sitrepd /tmp/cg-fan 300 25
#
# Prints "OUT instructions I writes W start_batch_calls B per_write X": W
# counts the Subscribe streams' write completions in the window (sse: the
# SSE streams' writes started, SseStream::StartWrite; one update
# per write in lockstep; the publisher's reads and acks, ~1 % at N=300, are
# in I but not in W), so X is the server's user-space instructions per
# delivery (the kernel's sendmsg is not in it). OUT.1 is
# the dump, for `callgrind_annotate --inclusive=yes OUT.1`. Compare two
# binaries with the same N and WINDOW (docs/performance.md, issue 24).
set -euo pipefail
kind=${1:?usage: callgrind_fanout.sh sitrep|ceiling SERVER OUT [N] [WINDOW]}
server=${2:?usage: callgrind_fanout.sh sitrep|ceiling SERVER OUT [N] [WINDOW]}
out=${3:?usage: callgrind_fanout.sh sitrep|ceiling SERVER OUT [N] [WINDOW]}
subscribers=${4:-300}
window=${5:-25}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${SITREP_BENCH:-$here/build/bench/sitrep-bench}
[[ -x $bench ]] || { echo "callgrind_fanout: no sitrep-bench at $bench (set SITREP_BENCH)" >&2; exit 2; }
command -v callgrind_control >/dev/null || { echo "callgrind_fanout: valgrind is not installed" >&2; exit 2; }
case $kind in
  sitrep) flag=--sitrepd ;;
  ceiling) flag=--ceiling ;;
  sse) flag=--sitrepd ;;  # sitrepd's SSE gateway
  *) echo "callgrind_fanout: sitrep, ceiling or sse, not $kind" >&2; exit 2 ;;
esac

dir=$(mktemp -d)
bench_pid=
cleanup() {
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then kill -TERM "$bench_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
rm -f "$out" "$out".[0-9]*
cat >"$dir/server.sh" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$out $(readlink -f "$server") "\$@"
EOF
chmod +x "$dir/server.sh"
# Phase A: 30 s of warm-up (subscribing under valgrind is slow), then 90 s;
# the window starts 45 s after the server serves.
timeout 300 "$bench" --scenario=fanout --systems="$kind" "$flag=$dir/server.sh" \
  --subscribers="$subscribers" --warmup=30s --duration=90s --rate=20 \
  --lag_limit=0 --drain_timeout=60s >"$dir/bench.out" 2>&1 &
bench_pid=$!
pid=
for _ in $(seq 1 600); do  # at most 60 s until valgrind runs
  # valgrind runs the server in its own process: the one writing to OUT.
  pid=$(pgrep -f -- "--callgrind-out-file=$out " 2>/dev/null | head -1 || true)
  [[ -n $pid ]] && break
  sleep 0.1
done
[[ -n $pid ]] || { echo "callgrind_fanout: no server process" >&2; cat "$dir/bench.out" >&2; exit 1; }
sleep 45
callgrind_control -i on "$pid" >/dev/null
sleep "$window"
callgrind_control -i off "$pid" >/dev/null
callgrind_control -d "$pid" >/dev/null
wait "$bench_pid" || true
bench_pid=
grep -E "A updates/message|A delivered/s|lost|contract" "$dir/bench.out" || true
dump=$(ls "$out".[0-9]* 2>/dev/null | head -1)
[[ -n $dump ]] || { echo "callgrind_fanout: no dump" >&2; exit 1; }
[[ $dump == "$out.1" ]] || mv "$dump" "$out.1"
for extra in "$out".[0-9]*; do [[ $extra == "$out.1" ]] || rm -f "$extra"; done
total=$(awk '/^totals:/ {print $2; exit}' "$out.1")
# Writes: calls of the Subscribe reactor's OnWriteDone (one per write); and
# the calls of grpc_call_start_batch (more than one per write where an
# interceptor is on the call). callgrind names a function once in full,
# "cfn=(id) name", and later by "(id)" alone.
read -r writes batches < <(awk '
  /^c?fn=\(/ {
    match($0, /\([0-9]+\)/); id = substr($0, RSTART, RLENGTH)
    rest = substr($0, RSTART + RLENGTH + 1)
    if (rest != "") name[id] = rest
    if ($0 ~ /^cfn=/) callee = name[id]
    next
  }
  /^calls=/ {
    split(substr($0, 7), f, " ")
    if (callee ~ /(SubscribeReactor|ceiling::Subscriber)::OnWriteDone|SseStream::StartWrite\(/) w += f[1]
    if (callee == "grpc_call_start_batch") b += f[1]
  }
  END { print w + 0, b + 0 }' "$out.1")
echo "$out instructions $total writes $writes start_batch_calls $batches per_write $((total / (writes > 0 ? writes : 1)))"

#!/usr/bin/env bash
# Thread hand-offs per delivery of a fan-out server, countable under load
# (callgrind's user-space instructions do not see them: a hop to another
# thread is a wake-up system call and a context switch): sitrep-bench runs
# the fan-out in lockstep (--lag_limit=0: one update per write), and over a
# WINDOW-second stretch in the middle of phase A this counts the server's
# voluntary context switches (every thread's, /proc/PID/task/*/status: a
# thread that blocks to wait for work), its eventfd/pipe writes, futex and
# epoll_wait calls (perf's syscall tracepoints), and its CPU time, each
# divided by the deliveries of the window (A delivered/s x WINDOW).
#
#   bench/switches_fanout.sh sitrep|ceiling SERVER [N] [WINDOW] [CHANNELS]
#   SITREP_BENCH=build/bench/sitrep-bench bench/switches_fanout.sh sitrep build/server/sitrepd 1000 8
#
# Prints one line: deliveries, then per delivery: voluntary switches,
# write(2) calls (gRPC's wake-ups of a polling thread are eventfd writes),
# futex calls, epoll_wait calls, server CPU us. CHANNELS: the bench's gRPC
# connections (default 8, sitrep-bench's; N gives each subscriber its own, as
# real subscribers have). Needs perf (linux-perf).
set -euo pipefail
kind=${1:?usage: switches_fanout.sh sitrep|ceiling SERVER [N] [WINDOW]}
server=${2:?usage: switches_fanout.sh sitrep|ceiling SERVER [N] [WINDOW]}
subscribers=${3:-1000}
window=${4:-8}
channels=${5:-8}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${SITREP_BENCH:-$here/build/bench/sitrep-bench}
[[ -x $bench ]] || { echo "switches_fanout: no sitrep-bench at $bench (set SITREP_BENCH)" >&2; exit 2; }
command -v perf >/dev/null || { echo "switches_fanout: perf is not installed" >&2; exit 2; }
case $kind in
  sitrep) flag=--sitrepd ;;
  ceiling) flag=--ceiling ;;
  *) echo "switches_fanout: sitrep or ceiling, not $kind" >&2; exit 2 ;;
esac
server=$(readlink -f "$server")
dir=$(mktemp -d)
bench_pid=
cleanup() {
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then kill -TERM "$bench_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
# Phase A: 10 s of warm-up, then 20 s; the window starts 14 s after the
# server process appears (subscribing 1,000 streams takes 1-3 s).
timeout 120 "$bench" --scenario=fanout --systems="$kind" "$flag=$server" \
  --subscribers="$subscribers" --channels="$channels" --warmup=10s --duration=20s --rate=20 \
  --lag_limit=0 --drain_timeout=30s >"$dir/bench.out" 2>&1 &
bench_pid=$!
pid=
for _ in $(seq 1 300); do  # at most 30 s until the server runs
  # timeout -> sitrep-bench -> the server
  bpid=$(pgrep -P "$bench_pid" 2>/dev/null | head -1 || true)
  [[ -n $bpid ]] && pid=$(pgrep -P "$bpid" -f -- "^$server" 2>/dev/null | head -1 || true)
  [[ -n $pid ]] && break
  sleep 0.1
done
[[ -n $pid ]] || { echo "switches_fanout: no server process" >&2; cat "$dir/bench.out" >&2; exit 1; }
switches() {  # the voluntary context switches of every thread of $pid
  cat /proc/"$pid"/task/*/status 2>/dev/null |
    awk '/^voluntary_ctxt_switches/ {s += $2} END {print s + 0}'
}
cpu() {  # utime + stime of $pid in clock ticks
  awk '{print $14 + $15}' /proc/"$pid"/stat
}
sleep 14
s0=$(switches); c0=$(cpu)
timeout $((window + 10)) perf stat -x, -o "$dir/perf" -p "$pid" \
  -e syscalls:sys_enter_write,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait \
  -- sleep "$window" >/dev/null 2>&1 || true
s1=$(switches); c1=$(cpu)
wait "$bench_pid" || true
bench_pid=
rate=$(awk -F'\t' '$1 == "RESULT" && $4 == "A delivered/s" {print $5}' "$dir/bench.out")
[[ -n $rate ]] || { echo "switches_fanout: no phase-A rate" >&2; cat "$dir/bench.out" >&2; exit 1; }
grep -E "lost|contract" "$dir/bench.out" | cut -f3- | tr '\n' ' '
awk -F, -v rate="$rate" -v w="$window" -v s=$((s1 - s0)) -v c=$((c1 - c0)) \
  -v hz="$(getconf CLK_TCK)" '
  $3 ~ /sys_enter_write/ { wr = $1 } $3 ~ /sys_enter_futex/ { fx = $1 }
  $3 ~ /sys_enter_epoll_wait/ { ep = $1 }
  END {
    d = rate * w
    printf "deliveries %d  per delivery: voluntary switches %.3f  write %.3f  futex %.3f  epoll_wait %.3f  cpu %.2f us\n",
      d, s / d, wr / d, fx / d, ep / d, c / hz / d * 1e6
  }' "$dir/perf"

#!/usr/bin/env bash
# Quiet rerun for branch h20-cap (issue 20: replica capacity at a latency bound).
#   h20-cap.sh MERGED_BUILD_DIR [MAIN_BUILD_DIR]
# As root (cgroup v1 CPU budgets of 0.25 core per replica). Runs
#  1. the replicas scenario at 1, 2, 3 replicas with budgets, the merged tree:
#     capacity at p99 <= 250 ms (the new figure) and phase A's lag-limit
#     capacity beside it (the old one), each with its ratios against the
#     targets (>= 1.8x at 2 replicas, >= 2.5x at 3);
#  2. if MAIN_BUILD_DIR is given and time allows: the README's old command
#     (lag-limit capacity only) with main's build, read-only.
# Prints the "#" report lines of each run; full output in /tmp/h20-cap-quiet-*.txt.
# Bounded: ~4 min (7 at most) for 1, ~2.5 min (3.3 at most) for 2, each under `timeout`.
set -uo pipefail
new=${1:?usage: h20-cap.sh MERGED_BUILD_DIR [MAIN_BUILD_DIR]}
old=${2:-}
nats=$(command -v nats-server || echo /usr/sbin/nats-server)
uptime
echo "== 1. replicas 1,2,3, 0.25 core each, capacity at p99 <= 250 ms ($new)"
timeout 420 "$new/bench/sitrep-bench" --scenario=replicas --replica_counts=1,2,3 \
  --nats_server="$nats" --subscribers=3000 --channels=12 --warmup=2s --duration=6s \
  --rate=20 --lag_limit=256 --drain_timeout=60s --latency_bound=250ms \
  --capacity_step=3s --capacity_steps=10 --check >/tmp/h20-cap-quiet-new.txt 2>/tmp/h20-cap-quiet-new.err
echo "exit $? (0: no loss, duplicate or reorder anywhere)"
grep -E '^# |capacity step' /tmp/h20-cap-quiet-new.txt /tmp/h20-cap-quiet-new.err | sed 's/^[^:]*://'
uptime
if [ -n "$old" ]; then
  echo "== 2. the old command (lag-limit capacity) on $old, 6 s phases"
  timeout 200 "$old/bench/sitrep-bench" --scenario=replicas --replica_counts=1,2,3 \
    --nats_server="$nats" --subscribers=3000 --channels=12 --warmup=2s --duration=6s \
    --rate=20 --lag_limit=256 --drain_timeout=60s --check \
    >/tmp/h20-cap-quiet-old.txt 2>/tmp/h20-cap-quiet-old.err
  echo "exit $?"
  grep -E '^# ([123] |fan-out|target)' /tmp/h20-cap-quiet-old.txt
  uptime
fi

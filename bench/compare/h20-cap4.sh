#!/usr/bin/env bash
# h20-cap4 (issue 20: replica capacity with the publishing spread over the
# replicas, as behind a load balancer, against one publisher on replica 0).
#   bench/compare/h20-cap4.sh BUILD_DIR [BUDGETS]
# As root (cgroup v1 CPU budgets). BUDGETS: cores per replica, default
# "0.15 0.25". About 4 minutes per (budget, mode) pair and 2 more for the
# one-replica check, every run under timeout:
#  1. for each budget, alternated: --replica_publishers=spread (publisher p
#     on replica p of K) then first (one publisher, on replica 0), each
#     sitrep-bench --scenario=replicas with 3 alternated rounds of 1, 2, 3
#     replicas, 3,000 subscribers spread over them, --lag_limit=256: per
#     round the capacity table, what ran outside the budgets (load
#     generator, nats-server, the machine's total), each replica's writes,
#     how often it held the lag limit and the publishes it took; the
#     targets (median of the rounds); and, from stderr, each replica's
#     JetStream writer totals (rounds sent, rounds another replica's append
#     refused, seconds its catch-ups took);
#  2. one replica, 3 rounds at the first budget: one publisher against
#     three publishers on it (--replica_publisher_count=3): whether the
#     number of PublishStreams changes the one-replica baseline.
set -uo pipefail
build=${1:?usage: h20-cap4.sh BUILD_DIR [BUDGETS]}
budgets=${2:-0.15 0.25}
bench=$build/bench/sitrep-bench
out=${H20_CAP4_OUT:-/tmp/h20cap4}
mkdir -p "$out"
echo "== h20-cap4, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
# clean_groups: the CPU groups of a sitrep-bench its timeout killed.
source "$(dirname "${BASH_SOURCE[0]}")/cpu_groups.sh"
# label budget counts rounds timeout-seconds extra-flags...
run() {
  local label=$1 budget=$2 counts=$3 rounds=$4 limit=$5
  shift 5
  local err=$out/$label.err
  echo "== $label: $counts replicas, $rounds alternated round(s), $budget core each, $*" \
       "(load: $(cut -d' ' -f1-3 /proc/loadavg))"
  timeout "$limit" "$bench" --scenario=replicas --replica_counts="$counts" \
    --replica_rounds="$rounds" --replica_cpu="$budget" --replica_cpu_period=100ms \
    --subscribers=3000 --channels=12 --warmup=2s --duration=5s --rate=20 --lag_limit=256 \
    --drain_timeout=20s --latency_bound=0 --check "$@" 2>"$err" | tee "$out/$label.out" |
    grep -E '^# (round|[0-9] |        outside|        writes|target|lag-limit loop|scaling law)|^#   (delivery|loop|law at) |^RESULT.*	(lost|duplicates|reordered|contract violations|publish errors)	'
  local status=${PIPESTATUS[0]}
  grep -E 'publishers? \((spread|first)\)|JetStream writer:' "$err"
  # Cut short: each finished run's phase A from stderr.
  [[ $status == 124 ]] && grep -E 'round [0-9]+: .* delivered/s' "$err"
  echo "   (exit $status, 124: out of time; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  clean_groups
}
for budget in $budgets; do
  run "spread-$budget" "$budget" 1,2,3 3 300 --replica_publishers=spread
  run "first-$budget" "$budget" 1,2,3 3 300 --replica_publishers=first
done
first_budget=${budgets%% *}
run "one-1pub-$first_budget" "$first_budget" 1 3 120 --replica_publishers=first
run "one-3pub-$first_budget" "$first_budget" 1 3 120 --replica_publishers=first \
  --replica_publisher_count=3

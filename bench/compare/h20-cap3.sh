#!/usr/bin/env bash
# h20-cap3 quiet rerun (issue 20: why the cost per delivery rises with the
# replica count, and what a shorter CFS period does to it).
#   bench/compare/h20-cap3.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
# As root (cgroup v1 CPU budgets). About 4 minutes (5 with BEFORE), every
# run under timeout:
#  1. the verdict: sitrep-bench --scenario=replicas, 3 alternated rounds of
#     1, 2, 3 replicas at 0.25 core each (CFS period 100 ms), 3,000
#     subscribers spread over them, --lag_limit=256 (the issue's
#     configuration, as in h20-cap2.sh): per round the capacity table, what
#     ran outside the budgets and, new, each replica's writes with their
#     updates per write and how often its slowest subscriber held the lag
#     limit; then the targets (median of the rounds: >= 1.8x at 2, >= 2.5x
#     at 3), the split of the delivery cost into a cost per write and per
#     update with the cost per delivery it predicts at each replica count
#     beside the measured one, and the lag-limit loop: each run's write
#     interval and loop latency (lag limit / published) and the fit
#     loop = alpha x interval + beta (bench/lag_loop.h; beta, the fixed
#     part, is what shrinks the writes at 3 replicas);
#  2. given BEFORE: one round of 1 and 3 replicas, BEFORE's sitrepd under
#     AFTER's sitrep-bench (the same instrument): the cost per write before;
#  3. a figure beside the verdict, not the verdict: one round of 1 and 3
#     replicas with the same 0.25-core budgets on a 10 ms CFS period (a
#     replica that spends its quota stops for 7.5 ms instead of 75 ms: the
#     fixed part of the loop should fall and the updates per write at 3
#     replicas rise).
set -uo pipefail
after=${1:?usage: h20-cap3.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}
before=${2:-}
bench=$after/bench/sitrep-bench
echo "== h20-cap3 quiet rerun, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
# clean_groups: the CPU groups of a sitrep-bench its timeout killed.
source "$(dirname "${BASH_SOURCE[0]}")/cpu_groups.sh"
# label sitrepd counts rounds period timeout-seconds
run() {
  local label=$1 sitrepd=$2 counts=$3 rounds=$4 period=$5 limit=$6
  local err=/tmp/h20cap3-q-$label.err
  echo "== $label: $counts replicas, $rounds alternated round(s), 0.25 core each, CFS period $period," \
       "sitrepd $sitrepd (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  timeout "$limit" "$bench" --scenario=replicas --sitrepd="$sitrepd" --replica_counts="$counts" \
    --replica_rounds="$rounds" --replica_cpu=0.25 --replica_cpu_period="$period" \
    --subscribers=3000 --channels=12 --warmup=2s --duration=5s --rate=20 --lag_limit=256 \
    --drain_timeout=20s --latency_bound=0 --check 2>"$err" |
    grep -E '^# (round|[0-9] |        outside|        writes|target|lag-limit loop)|^#   (delivery|loop) =|A unacked'
  local status=${PIPESTATUS[0]}
  # Cut short: each finished run's phase A from stderr.
  [[ $status == 124 ]] && grep -E 'round [0-9]+: .* delivered/s' "$err"
  echo "   (exit $status, 124: out of time; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  clean_groups
}
run verdict "$after/server/sitrepd" 1,2,3 3 100ms 200
[[ -n $before ]] && run before "$before/server/sitrepd" 1,3 1 100ms 60
run period-10ms "$after/server/sitrepd" 1,3 1 10ms 60

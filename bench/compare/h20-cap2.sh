#!/usr/bin/env bash
# h20-cap2 quiet rerun (issue 20: replica capacity, measured soundly).
#   bench/compare/h20-cap2.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
# As root (cgroup v1 CPU budgets). About 4-5 minutes:
#  1. the tail's instructions per tailed update (bench/callgrind_tail.sh,
#     10,000 updates, 64 per message), AFTER and, given BEFORE, BEFORE's
#     sitrepd (load-independent; target: lower than before);
#  2. sitrep-bench --scenario=replicas, 3 alternated rounds of 1,2,3
#     replicas, 0.25 core each (the issue's budget): the capacity table per
#     round with what ran outside the budgets (load generator, its busiest
#     thread, nats-server, the machine total), then the verdicts as the
#     median of the rounds (target >= 1.8x at 2, >= 2.5x at 3);
#  3. the same at 0.15 core each, one round, beside it (the load
#     generator further from the machine's 2 cores); the 0.25-core verdict
#     stays the one.
set -uo pipefail
after=${1:?usage: h20-cap2.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}
before=${2:-}
src=$(sed -n "s/^CMAKE_HOME_DIRECTORY:INTERNAL=//p" "$after/CMakeCache.txt")
cgscript=$src/bench/callgrind_tail.sh
echo "== h20-cap2 quiet rerun, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== 1. instructions per tailed update (target: after < before)"
timeout 120 "$cgscript" "$after/server/sitrepd" "$after/bench/sitrep-bench" /tmp/h20cap2-q-after 10000 64 \
  | sed 's/^/after:  /'
if [[ -n $before ]]; then
  timeout 120 "$cgscript" "$before/server/sitrepd" "$after/bench/sitrep-bench" /tmp/h20cap2-q-before 10000 64 \
    | sed 's/^/before: /'
fi
# clean_groups: the CPU groups of a sitrep-bench its timeout killed.
source "$(dirname "${BASH_SOURCE[0]}")/cpu_groups.sh"
# cpu rounds timeout-seconds
for run in "0.25 3 200" "0.15 1 80"; do
  read -r cpu rounds limit <<<"$run"
  echo "== replicas at $cpu core each, $rounds alternated round(s) (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  timeout "$limit" "$after/bench/sitrep-bench" --scenario=replicas --replica_counts=1,2,3 \
    --replica_rounds="$rounds" --replica_cpu="$cpu" --subscribers=3000 --channels=12 --warmup=2s \
    --duration=5s --rate=20 --lag_limit=256 --drain_timeout=20s --latency_bound=0 --check \
    2>/tmp/h20cap2-q-$cpu.err | grep -E '^# (round|[0-9] |        outside|target)'
  status=${PIPESTATUS[0]}
  # Cut short: each finished run's phase A from stderr.
  [[ $status == 124 ]] && grep -E 'round [0-9]+: .* delivered/s' /tmp/h20cap2-q-$cpu.err
  echo "   (exit $status, 124: out of time; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  clean_groups
done

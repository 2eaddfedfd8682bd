#!/usr/bin/env bash
# Quiet rerun of h20-pipe (issue 20, the ingest target, rounds pipelined
# across group commits): JetStream batched ingest through one replica against
# raw JetStream async publishing, side by side in one
# `sitrep-bench --scenario=jetstream-ingest` run. Target: sitrep batched
# >= 50 % of raw.
#
#   bench/compare/h20-pipe.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
#
# First the alternated runs of h20-ingest3.sh (ROUNDS=3 by default; per run
# raw and batched acked/s, % of raw, sitrepd and nats-server CPU per update;
# then the medians next to the target), without its instruction counts. Then
# one bench/jetstream_rounds.sh run per build (150,000 updates, ~10 s each
# when quiet): "N publishes in R rounds, U updates per round" and its RESULT
# line (updates/s). Read: after's median % >= 50 is the target; before vs
# after in the same rounds is the change (raw JetStream moves between runs,
# so compare within a round).
set -uo pipefail
after=$(cd "${1:?usage: h20-pipe.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}" && pwd)
before=${2:+$(cd "$2" && pwd)}
nats=${NATS_SERVER:-/usr/sbin/nats-server}
bench=$after/bench/sitrep-bench

SKIP_INSTRUCTIONS=1 bash "$(dirname "$0")/h20-ingest3.sh" "$@"

# Rounds: updates per round and rounds per second over one whole run of
# 150,000 updates (64 per message, window 1,024) with bench/jetstream_rounds.sh
# (its last line). Before pipelining a round was ~450 updates (about half
# the window: one round stored while the next gathers); with a round in
# flight behind another the figure says how the window is split.
rounds_script=$(sed -n "s/^CMAKE_HOME_DIRECTORY:INTERNAL=//p" "$after/CMakeCache.txt")/bench/jetstream_rounds.sh
for name in before after; do
  build=$after
  [[ $name == before ]] && build=$before
  [[ -n $build ]] || continue
  if ((SECONDS > 225)); then echo "rounds $name: skipped (time budget)"; continue; fi
  line=$(NATS_SERVER=$nats timeout 30 "$rounds_script" "$build/server/sitrepd" "$bench" 150000 2>&1 | grep -E '^# whole run|RESULT' | tr '\n' ' ')
  echo "rounds $name: ${line:-FAILED}"
done
echo "# end $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"

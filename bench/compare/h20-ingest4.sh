#!/usr/bin/env bash
# h20-ingest4 (issue 20, the ingest target: batched JetStream ingest through
# one replica >= 50 % of raw JetStream async publishing, side by side in one
# `sitrep-bench --scenario=jetstream-ingest` run): where the machine's CPU
# goes per update (sitrepd, nats-server, the load generator sitrep-bench,
# idle), before against after.
#
#   bench/compare/h20-ingest4.sh AFTER_BUILD_DIR BEFORE_BUILD_DIR
#
# 1. The whole change: h20-ingest3.sh's alternated rounds (ROUNDS=3) with
#    each build's own sitrep-bench (OWN_BENCH=1), so before is main's load
#    generator and sitrepd, after this branch's. Per run: raw and batched
#    acked/s, % of raw, sitrepd and nats-server CPU us/update; from after's
#    sitrep-bench also its own CPU per update and the machine's idle share
#    (main's sitrep-bench does not report them).
# 2. sitrepd's part alone: the same rounds (ROUNDS2=2) with AFTER's
#    sitrep-bench for both builds.
# 3. Instructions per update (callgrind, independent of the load), when
#    valgrind is installed: each build's sitrepd (bench/callgrind_ingest.sh,
#    5,000 patrol reports, 64 per message, jetstream store, with AFTER's
#    sitrep-bench) and each build's load generator (GENERATOR=1: its
#    sitrep-bench under callgrind for 5,000 and 10,000 updates against
#    AFTER's sitrepd on jetstream; the difference over 5,000).
# About 8 minutes on a quiet machine; every run is bounded by a timeout.
# Read: after's median % >= 50 in step 1 is the target; within a round,
# before against after is the change (raw JetStream moves between runs).
set -uo pipefail
after=$(cd "${1:?usage: h20-ingest4.sh AFTER_BUILD_DIR BEFORE_BUILD_DIR}" && pwd)
before=$(cd "${2:?usage: h20-ingest4.sh AFTER_BUILD_DIR BEFORE_BUILD_DIR}" && pwd)
nats=${NATS_SERVER:-/usr/sbin/nats-server}
here=$(dirname "$0")
work=$(mktemp -d /tmp/h20-ingest4.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "# h20-ingest4, $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"
echo "## 1. each build with its own sitrep-bench"
OWN_BENCH=1 SKIP_INSTRUCTIONS=1 ROUNDS=${ROUNDS:-3} bash "$here/h20-ingest3.sh" "$after" "$before"
echo "## 2. both with after's sitrep-bench (sitrepd's part)"
SKIP_INSTRUCTIONS=1 ROUNDS=${ROUNDS2:-2} bash "$here/h20-ingest3.sh" "$after" "$before"

echo "## 3. instructions per update, $(uptime | sed 's/.*load/load/')"
if ! command -v valgrind >/dev/null; then echo "skipped (no valgrind)"; exit 0; fi
cg=$here/../callgrind_ingest.sh
for name in before after; do
  build=$after
  [[ $name == before ]] && build=$before
  line=$(NATS_SERVER=$nats SITREP_BENCH=$after/bench/sitrep-bench timeout 90 \
    "$cg" "$build/server/sitrepd" "$work/cg-$name" 5000 64 2>/dev/null | tail -1)
  echo "sitrepd $name: ${line:-FAILED}"
done
for name in before after; do
  build=$after
  [[ $name == before ]] && build=$before
  line=$(GENERATOR=1 NATS_SERVER=$nats SITREP_BENCH=$build/bench/sitrep-bench timeout 180 \
    "$cg" "$after/server/sitrepd" "$work/gen-$name" 5000 64 2>/dev/null | tail -1)
  echo "load generator $name: ${line:-FAILED}"
done
echo "# end $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"

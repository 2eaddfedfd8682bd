#!/usr/bin/env bash
# Quiet rerun of h24-lanes (issue 24 "gRPC at 200/s x 1,000 <= 0.6 server
# cores" and issue 4's "fanout N=1000 B: p99 <= 1.5 x ceiling p99"): a
# wake-up's streams pumped in lane turns of up to 16, live streams kept
# filed in the WakeIndex.
#   bash bench/compare/h24-lanes.sh AFTER_BUILD [BEFORE_BUILD]
# AFTER_BUILD: the merged tree's build dir; BEFORE_BUILD (optional): a build
# of main before the merge.
# gRPC: bench/compare/h24-grpc2.sh's three rounds, alternated: [before's
# sitrep-bench with before's sitrepd and ceiling_server], after's with
# after's; each one run of
#   --scenario=fanout --systems=sitrep,ceiling --subscribers=1000
#   --warmup=2s --duration=5s --rate=200 --lag_limit=2048
# Prints per run and as medians of 3: phase-B p99 of sitrep and of the same
# run's ceiling, their ratio (target <= 1.5), phase-B server cores (sitrep's
# target <= 0.6; the ceiling's beside it), the phase-B p50s, lost (must be
# 0/0).
# SSE (the stream code is shared): one alternated pair of --systems=sse at
# the same N and rate (4 s phases): phase-B server cores and p99; after
# must not be above before by more than the noise (no target of its own
# here: issue 24's SSE targets are run.sh's).
# Bounded: 6 runs of <= 40 s and 2 of <= 30 s; ~3.5 minutes with BEFORE.
set -uo pipefail
after=${1:?usage: h24-lanes.sh AFTER_BUILD [BEFORE_BUILD]}
before=${2:-}
S="--scenario=fanout --systems=sse --subscribers=1000 --warmup=2s --duration=4s --rate=200 --lag_limit=2048 --drain_timeout=20s"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "h24-lanes quiet rerun, $(date -u +%H:%M:%S) UTC, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
# The gRPC rounds are h24-grpc2's, unchanged (one script, one set of columns).
bash "$(dirname "$0")/h24-grpc2.sh" "$after" ${before:+"$before"}
sse() {  # label build_dir
  local f=$out/sse-$1
  timeout --kill-after=5 30 "$2/bench/sitrep-bench" $S --sitrepd="$2/server/sitrepd" >"$f" 2>&1
  awk -F'\t' -v label="$1" '
    $1 == "RESULT" { v[$3, $4] = $5 }
    END {
      printf "SSE %-7s server cores in B %.3f  p99 %.2f ms  p50 %.2f ms  lost %s\n", label,
        v["sse", "B server CPU s"] / 4, v["sse", "B p99 ms"], v["sse", "B p50 ms"], v["sse", "lost"]
    }' "$f"
}
echo "SSE at 200/s x 1,000, one pair (load $(cut -d' ' -f1 /proc/loadavg)):"
[[ -n $before ]] && sse before "$before"
sse after "$after"

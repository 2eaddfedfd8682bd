#!/usr/bin/env bash
# Quiet rerun of h24-inline (issue 24 "gRPC at 200/s x 1,000 <= 0.6 server
# cores" and issue 4's "fanout N=1000 B: p99 <= 1.5 x ceiling p99"): Subscribe
# writes whose completions run on the writing thread, in sitrepd and in the
# ceiling alike.
#   bash bench/compare/h24-inline.sh AFTER_BUILD [BEFORE_BUILD]
# AFTER_BUILD: the merged tree's build dir; BEFORE_BUILD (optional): main's
# build before the merge. Three rounds, alternated: [before's sitrep-bench
# with before's sitrepd and ceiling_server], after's with after's; each one
# run of
#   --scenario=fanout --systems=sitrep,ceiling --subscribers=1000
#   --warmup=2s --duration=5s --rate=200 --lag_limit=0
# Phase A is lockstep (one update per write, the shape of a low rate): its
# server CPU per delivery is printed for both servers. Phase B is the issue's
# 200 updates/s x 1,000 (phase B does not read --lag_limit: it is run.sh's
# N=1000 line's phase B with 5 s phases). Printed per run and as medians of
# 3, for each build: phase-B server cores of sitrep (target <= 0.6, absolute)
# and of the same run's ceiling, their ratio; phase-B p99 of both and their
# ratio (target <= 1.5); both p50s; lockstep us per delivery of both; lost
# (must be 0/0). Each build's ceiling is its own: after the merge the
# ceiling's writes complete inline too, so "after" is against the stronger
# ceiling. Bounded: 6 runs x <= 40 s.
set -uo pipefail
after=${1:?usage: h24-inline.sh AFTER_BUILD [BEFORE_BUILD]}
before=${2:-}
# LAG_LIMIT (default 0, lockstep phase A): h24-grpc2.sh runs these rounds
# with run.sh's --lag_limit=2048, where phase A is not lockstep and its
# "lockstep us/delivery" column is phase A's CPU per delivery at max rate.
C="--scenario=fanout --systems=sitrep,ceiling --subscribers=1000 --warmup=2s --duration=5s --rate=200 --lag_limit=${LAG_LIMIT:-0}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "${NAME:-h24-inline} quiet rerun, $(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # label build_dir
  local f=$out/$1.$round
  timeout 40 "$2/bench/sitrep-bench" $C --sitrepd="$2/server/sitrepd" \
    --ceiling="$2/bench/ceiling_server" >"$f" 2>&1
  awk -F'\t' -v label="$1" '
    $1 == "RESULT" { v[$3, $4] = $5 }
    function us(s) {
      return v[s, "A delivered/s"] > 0 ? v[s, "A server CPU s"] / (v[s, "A delivered/s"] * 5) * 1e6 : 0
    }
    END {
      sc = v["sitrep", "B server CPU s"] / 5; cc = v["ceiling", "B server CPU s"] / 5
      sp = v["sitrep", "B p99 ms"]; cp = v["ceiling", "B p99 ms"]
      printf "%-7s cores sitrep %.3f (target <= 0.6) ceiling %.3f ratio %.2f  p99 sitrep %.2f ceiling %.2f ms ratio %.2f (target <= 1.5)  p50 %.2f / %.2f ms  lockstep us/delivery %.1f / %.1f  lost %s/%s\n",
        label, sc, cc, (cc > 0 ? sc / cc : 0), sp, cp, (cp > 0 ? sp / cp : 0),
        v["sitrep", "B p50 ms"], v["ceiling", "B p50 ms"], us("sitrep"), us("ceiling"),
        v["sitrep", "lost"], v["ceiling", "lost"]
    }' "$f"
}
labels="after"
[[ -n $before ]] && labels="before after"
for round in 1 2 3; do
  echo "round $round (load $(cut -d' ' -f1 /proc/loadavg))"
  [[ -n $before ]] && run before "$before"
  run after "$after"
done | tee "$out/all"
echo "medians of 3 (load at the end: $(cut -d' ' -f1-3 /proc/loadavg)):"
median() { grep "^$1 " "$out/all" | awk -v c="$2" '{print $c}' | sort -g | sed -n 2p; }
for label in $labels; do
  printf "%-7s cores sitrep %s (target <= 0.6) ceiling %s ratio %s  p99 sitrep %s ceiling %s ms ratio %s (target <= 1.5)  p50 %s / %s ms  lockstep us/delivery %s / %s\n" \
    "$label" "$(median "$label" 4)" "$(median "$label" 9)" "$(median "$label" 11)" \
    "$(median "$label" 14)" "$(median "$label" 16)" "$(median "$label" 19)" \
    "$(median "$label" 24)" "$(median "$label" 26)" "$(median "$label" 30)" "$(median "$label" 32)"
done

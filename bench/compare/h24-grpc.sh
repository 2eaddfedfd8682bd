#!/usr/bin/env bash
# Quiet rerun of h24-grpc (issue 24, "gRPC at low rate, many streams").
#   bash bench/compare/h24-grpc.sh AFTER_BUILD BEFORE_BUILD
# AFTER_BUILD: the merged tree's build dir; BEFORE_BUILD: main's before the
# merge. 3 rounds, alternated: before's sitrepd,
# after's sitrepd, the ceiling (after's build), each one sitrep-bench run
#   --scenario=fanout --subscribers=1000 --warmup=2s --duration=5s --rate=200 --lag_limit=0
# Phase A is lockstep (one update per write: the shape of a low rate), so
# "A server CPU s" / deliveries is the CPU per delivery; phase B is the
# issue's 200 updates/s x 1,000 (phase B does not read --lag_limit, so it is
# the command's phase B, --lag_limit=2048 only changes phase A).
# Prints per run and the medians: phase-B server cores (target <= 0.6) and
# lockstep us/delivery. ~4 minutes.
set -uo pipefail
after=${1:?usage: h24-grpc.sh AFTER_BUILD BEFORE_BUILD}
before=${2:?usage: h24-grpc.sh AFTER_BUILD BEFORE_BUILD}
bench=$after/bench/sitrep-bench
# The instrument is the same in both trees; any built one will do.
[[ -x $bench ]] || bench=$before/bench/sitrep-bench
ceiling=$after/bench/ceiling_server
[[ -x $ceiling ]] || ceiling=$before/bench/ceiling_server
C="--scenario=fanout --subscribers=1000 --warmup=2s --duration=5s --rate=200 --lag_limit=0"
out=$(mktemp -d)
echo "h24-grpc quiet rerun, $(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # label system sitrepd
  local f=$out/$1.$round
  timeout 75 "$bench" $C --systems="$2" --sitrepd="$3" --ceiling="$ceiling" >"$f" 2>&1
  awk -F'\t' -v label="$1" -v sys="$2" '
    $1 == "RESULT" && $3 == sys { v[$4] = $5 }
    END {
      us = (v["A delivered/s"] > 0) ? v["A server CPU s"] / (v["A delivered/s"] * 5) * 1e6 : 0
      printf "%-8s lockstep %6.1f us/delivery (A %s upd/msg)  phase-B cores %.3f (target <= 0.6)  lost %s\n",
        label, us, v["A updates/message"], v["B server CPU s"] / 5, v["lost"]
    }' "$f"
}
for round in 1 2 3; do
  echo "round $round ($(cut -d' ' -f1 /proc/loadavg))"
  run before sitrep "$before/server/sitrepd"
  run after sitrep "$after/server/sitrepd"
  run ceiling ceiling "$after/server/sitrepd"
done | tee "$out/all"
echo "medians of 3:"
for label in before after ceiling; do
  us=$(grep "^$label " "$out/all" | awk '{print $3}' | sort -n | sed -n 2p)
  cores=$(grep "^$label " "$out/all" | awk '{print $10}' | sort -n | sed -n 2p)
  printf "%-8s lockstep %6s us/delivery   phase-B %s cores (target <= 0.6)\n" "$label" "$us" "$cores"
done
rm -rf "$out"

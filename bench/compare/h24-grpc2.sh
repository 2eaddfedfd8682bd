#!/usr/bin/env bash
# Quiet rerun of h24-grpc2 (issue 24 "gRPC at low rate, many streams" and
# issue 4's "fanout N=1000 B: p99 <= 1.5 x ceiling p99").
#   bash bench/compare/h24-grpc2.sh AFTER_BUILD [BEFORE_BUILD]
# AFTER_BUILD: the merged tree's build dir; BEFORE_BUILD (optional): a build
# of main before the merge (e.g. a build of main before the merge).
# Three rounds, alternated: [before's sitrep-bench with before's sitrepd and
# ceiling_server], after's sitrep-bench with after's sitrepd and
# ceiling_server; each one run of the issue's N=1000 command at 200/s:
#   --scenario=fanout --systems=sitrep,ceiling --subscribers=1000
#   --warmup=2s --duration=5s --rate=200 --lag_limit=2048
# (run.sh's N=1000 line with 5 s phases). Prints per run and as medians of
# 3: phase-B p99 of sitrep and of the ceiling of the same run, their ratio
# (target <= 1.5), phase-B server cores (sitrep's target <= 0.6), and the
# phase-B p50 of both (sitrep / ceiling). "lost" must be 0/0.
# Both the ceiling and sitrepd of a build are that build's: after the
# merge the ceiling also writes without the ByteBuffer copy, so "after"
# compares sitrep with the stronger ceiling. Bounded: 6 runs x <= 40 s.
set -uo pipefail
after=${1:?usage: h24-grpc2.sh AFTER_BUILD [BEFORE_BUILD]}
before=${2:-}
C="--scenario=fanout --systems=sitrep,ceiling --subscribers=1000 --warmup=2s --duration=5s --rate=200 --lag_limit=2048"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "h24-grpc2 quiet rerun, $(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # label build_dir
  local f=$out/$1.$round
  timeout 40 "$2/bench/sitrep-bench" $C --sitrepd="$2/server/sitrepd" \
    --ceiling="$2/bench/ceiling_server" >"$f" 2>&1
  awk -F'\t' -v label="$1" '
    $1 == "RESULT" { v[$3, $4] = $5 }
    END {
      sp = v["sitrep", "B p99 ms"]; cp = v["ceiling", "B p99 ms"]
      printf "%-7s sitrep p99 %7.2f ms  ceiling p99 %7.2f ms  ratio %5.2f (target <= 1.5)  sitrep cores %.3f (target <= 0.6)  ceiling cores %.3f  p50 %.2f / %.2f ms  lost %s/%s\n",
        label, sp, cp, (cp > 0 ? sp / cp : 0), v["sitrep", "B server CPU s"] / 5,
        v["ceiling", "B server CPU s"] / 5, v["sitrep", "B p50 ms"],
        v["ceiling", "B p50 ms"], v["sitrep", "lost"], v["ceiling", "lost"]
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
  printf "%-7s sitrep p99 %s ms  ceiling p99 %s ms  ratio %s (target <= 1.5)  sitrep cores %s (target <= 0.6)  ceiling cores %s  p50 %s / %s ms\n" \
    "$label" "$(median "$label" 4)" "$(median "$label" 8)" "$(median "$label" 11)" \
    "$(median "$label" 17)" "$(median "$label" 23)" "$(median "$label" 25)" "$(median "$label" 27)"
done

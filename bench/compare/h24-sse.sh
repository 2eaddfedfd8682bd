#!/usr/bin/env bash
# Quiet rerun of h24-sse (issue 24, SSE fan-out at N=1,000, 200 updates/s).
#
#   bench/compare/h24-sse.sh AFTER_BUILD [BEFORE_BUILD]
#   e.g. bench/compare/h24-sse.sh build-merged build-main
#
# Runs the issue's command (sitrep-bench --scenario=fanout --subscribers=1000
# --rate=200 --lag_limit=2048, phases shortened to 4 s) three rounds,
# alternating BEFORE's sitrepd (system sse only) and AFTER's (sse and NATS
# core), with AFTER's sitrep-bench for both (one instrument). Round 1 also
# runs the browser-shaped peer natscore-browser (NATS core with one
# connection per subscriber) beside NATS core. Bounded: every run has a
# timeout; about 3.5 minutes in all.
#
# Prints each round's SSE phase-B p99 and server CPU, then the medians
# against the targets: p99 <= 10 ms; SSE CPU <= 3 x NATS core's (the target,
# judged against NATS core as the bench runs it: 8 shared connections);
# beside it, not instead, SSE CPU / natscore-browser's.
set -uo pipefail
after=${1:?usage: h24-sse.sh AFTER_BUILD [BEFORE_BUILD]}
before=${2:-}
bench=$after/bench/sitrep-bench
out=$(mktemp -d /tmp/h24-sse-quiet.XXXXXX)
common=(--scenario=fanout --subscribers=1000 --warmup=2s --duration=4s
        --rate=200 --lag_limit=2048 --drain_timeout=20s
        --nats_server="$(command -v nats-server || echo nats-server)")

run() {  # NAME ARGS...
  local name=$1; shift
  timeout --kill-after=5 75 "$bench" "${common[@]}" "$@" \
    >"$out/$name.txt" 2>"$out/$name.err" || echo "  ($name: failed or timed out, see $out/$name.err)"
}
val() {  # FILE SYSTEM FIGURE
  awk -F'\t' -v s="$2" -v f="$3" '$1 == "RESULT" && $3 == s && $4 == f { print $5; exit }' "$1" 2>/dev/null
}
median() { printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

echo "h24-sse quiet rerun: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S) UTC"
bp=(); bc=(); ap=(); ac=(); np=(); nc=()
for r in 1 2 3; do
  if [[ -n $before ]]; then
    run "before-$r" --systems=sse --sitrepd="$before/server/sitrepd"
    bp+=("$(val "$out/before-$r.txt" sse 'B p99 ms')"); bc+=("$(val "$out/before-$r.txt" sse 'B server CPU s')")
  fi
  systems=sse,natscore
  [[ $r == 1 ]] && systems=sse,natscore,natscore-browser
  run "after-$r" --systems=$systems --sitrepd="$after/server/sitrepd"
  f=$out/after-$r.txt
  ap+=("$(val "$f" sse 'B p99 ms')"); ac+=("$(val "$f" sse 'B server CPU s')")
  np+=("$(val "$f" natscore 'B p99 ms')"); nc+=("$(val "$f" natscore 'B server CPU s')")
  printf 'round %d: before SSE p99 %s ms, CPU %s s | after SSE p99 %s ms, CPU %s s | NATS core p99 %s ms, CPU %s s\n' \
    "$r" "${bp[-1]:--}" "${bc[-1]:--}" "${ap[-1]:--}" "${ac[-1]:--}" "${np[-1]:--}" "${nc[-1]:--}"
done
nbc=$(val "$out/after-1.txt" natscore-browser 'B server CPU s')
nbp=$(val "$out/after-1.txt" natscore-browser 'B p99 ms')
mp=$(median "${ap[@]}"); mc=$(median "${ac[@]}"); mn=$(median "${nc[@]}")
echo
echo "medians of 3 (phase B: 200 updates/s x 1,000 SSE streams, 4 s):"
[[ -n $before ]] && echo "  before: SSE p99 $(median "${bp[@]}") ms, server CPU $(median "${bc[@]}") s"
awk -v p="$mp" -v c="$mc" -v n="$mn" -v nb="$nbc" -v nbp="$nbp" -v npp="$(median "${np[@]}")" 'BEGIN {
  printf "  after:  SSE p99 %s ms (target <= 10 ms: %s); NATS core p99 %s ms\n", p, (p != "" && p <= 10) ? "met" : "NOT MET", npp
  if (n > 0) printf "  after:  SSE server CPU %s s / NATS core %s s = %.2f x (target <= 3 x: %s)\n", c, n, c / n, (c / n <= 3) ? "met" : "NOT MET"
  if (nb > 0) printf "  beside: SSE server CPU / NATS core with one connection per subscriber (%s s, p99 %s ms) = %.2f x (a figure, not the target)\n", nb, nbp, c / nb
}'
echo "raw RESULT lines: $out"

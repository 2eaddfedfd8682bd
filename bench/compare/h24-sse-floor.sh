#!/usr/bin/env bash
# Issue 24's SSE CPU target against the floor of this machine: sitrepd's SSE
# path, the bare SSE writer (the ceiling server's bench/sse_hub.h: nothing
# but one send() per event per connection) and NATS core, the issue's
# command at N=1,000 and 200 updates/s, in one sitrep-bench run per round.
#
#   bench/compare/h24-sse-floor.sh BUILD [ROUNDS]
#   e.g. bench/compare/h24-sse-floor.sh build 5
#
# Each round runs the three systems in a rotated order (a system's place in
# the run must not decide its figure), phases of 5 s. Prints each round's
# phase-B server CPU and p99 and phase-A delivered/s, then the medians:
# SSE / NATS core (the target, <= 3 x), the bare writer / NATS core (the
# floor: above 3 x, no SSE server meets the target here), SSE / the bare
# writer (what sitrep adds). Bounded: every run has a timeout; about 1 min
# per round.
set -uo pipefail
build=${1:?usage: h24-sse-floor.sh BUILD [ROUNDS]}
rounds=${2:-5}
bench=$build/bench/sitrep-bench
out=$(mktemp -d /tmp/h24-sse-floor.XXXXXX)
common=(--scenario=fanout --subscribers=1000 --warmup=2s --duration=5s
        --rate=200 --lag_limit=2048 --drain_timeout=20s
        --nats_server="$(command -v nats-server || echo nats-server)")
orders=(sse,sse-ceiling,natscore sse-ceiling,natscore,sse natscore,sse,sse-ceiling)

val() {  # FILE SYSTEM FIGURE
  awk -F'\t' -v s="$2" -v f="$3" '$1 == "RESULT" && $3 == s && $4 == f { print $5; exit }' "$1" 2>/dev/null
}
median() { printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

echo "h24-sse-floor: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S) UTC"
sc=(); bc=(); nc=(); r_sn=(); r_bn=(); r_sb=(); r_sa=()
for r in $(seq 1 "$rounds"); do
  systems=${orders[$(( (r - 1) % 3 ))]}
  f=$out/round-$r.txt
  timeout --kill-after=5 120 "$bench" "${common[@]}" --systems="$systems" >"$f" 2>"$out/round-$r.err" ||
    echo "  (round $r: failed or timed out, see $out/round-$r.err)"
  s=$(val "$f" sse 'B server CPU s'); b=$(val "$f" sse-ceiling 'B server CPU s'); n=$(val "$f" natscore 'B server CPU s')
  sa=$(val "$f" sse 'A delivered/s'); ba=$(val "$f" sse-ceiling 'A delivered/s')
  lost=$(awk -F'\t' '$1 == "RESULT" && ($4 == "lost" || $4 == "duplicates" || $4 == "reordered") { t += $5 } END { print t + 0 }' "$f")
  printf 'round %d (%s): B server CPU SSE %s s, bare writer %s s, NATS core %s s | B p99 %s / %s / %s ms | A delivered/s SSE %s, bare writer %s | lost+dup+reordered %s\n' \
    "$r" "$systems" "${s:--}" "${b:--}" "${n:--}" "$(val "$f" sse 'B p99 ms')" "$(val "$f" sse-ceiling 'B p99 ms')" \
    "$(val "$f" natscore 'B p99 ms')" "${sa:--}" "${ba:--}" "$lost"
  if [[ -n $s && -n $b && -n $n ]]; then
    sc+=("$s"); bc+=("$b"); nc+=("$n")
    r_sn+=("$(awk -v a="$s" -v b="$n" 'BEGIN { printf "%.3f", a / b }')")
    r_bn+=("$(awk -v a="$b" -v b="$n" 'BEGIN { printf "%.3f", a / b }')")
    r_sb+=("$(awk -v a="$s" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
  fi
  [[ -n $sa && -n $ba ]] && r_sa+=("$(awk -v a="$sa" -v b="$ba" 'BEGIN { printf "%.3f", a / b }')")
done
echo
echo "medians of ${#r_sn[@]} rounds (phase B: 200 updates/s x 1,000 SSE streams, 5 s):"
echo "  server CPU: SSE $(median "${sc[@]}") s, the bare SSE writer $(median "${bc[@]}") s, NATS core $(median "${nc[@]}") s"
awk -v sn="$(median "${r_sn[@]}")" -v bn="$(median "${r_bn[@]}")" -v sb="$(median "${r_sb[@]}")" -v sa="$(median "${r_sa[@]}")" 'BEGIN {
  printf "  SSE / NATS core            %s x (the target, <= 3 x: %s)\n", sn, (sn != "" && sn <= 3) ? "met" : "NOT MET"
  printf "  bare writer / NATS core    %s x (the floor: %s)\n", bn, (bn != "" && bn > 3) ? "above 3 x, no SSE server meets the target here" : "at or below 3 x"
  printf "  SSE / bare writer          %s x (what sitrep adds per delivery)\n", sb
  printf "  phase A delivered/s, SSE / bare writer  %s x\n", sa
}'
echo "raw RESULT lines: $out"

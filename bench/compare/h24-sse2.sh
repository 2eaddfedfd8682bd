#!/usr/bin/env bash
# Quiet rerun of h24-sse2 (issue 24: SSE delivered/s at N=1,000 against the
# gRPC path, with a load generator that is not the bottleneck).
#
#   bench/compare/h24-sse2.sh AFTER_BUILD [BEFORE_BUILD]
#   e.g. bench/compare/h24-sse2.sh build-merged build-main
#
# The issue's fan-out command (sitrep-bench --scenario=fanout
# --subscribers=1000 --rate=200 --lag_limit=2048, phases shortened to 4 s):
#   rounds 1-2: BEFORE's sitrep-bench with --systems=sse (the old SSE load
#     generator; sitrepd is BEFORE's), then AFTER's with --systems=sitrep,sse
#     (the new generator, gRPC beside it in the same run);
#   round 3: AFTER's --systems=sitrep,sse pinned: every server on CPU 0,
#     sitrep-bench (publisher, subscribers, generators) on CPU 1, both paths
#     alike (--server_cpus=0 --client_cpus=1).
# Without BEFORE_BUILD rounds 1-2 run AFTER only. Every run has a timeout;
# about 3.5 minutes in all.
#
# Prints per run: phase-A delivered/s of SSE and gRPC and their ratio
# (target: SSE >= gRPC), the SSE generator's CPU per delivery (its epoll
# threads, whole run) and the bench process's CPU in phase A (the smaller,
# the less the generator competes with the server for the 2 cores), sitrepd's
# phase-A CPU; then the medians.
set -uo pipefail
after=${1:?usage: h24-sse2.sh AFTER_BUILD [BEFORE_BUILD]}
before=${2:-}
out=$(mktemp -d /tmp/h24-sse2-quiet.XXXXXX)
common=(--scenario=fanout --subscribers=1000 --warmup=2s --duration=4s
        --rate=200 --lag_limit=2048 --drain_timeout=20s)

run() {  # NAME BUILD ARGS...
  local name=$1 build=$2; shift 2
  timeout --kill-after=5 80 "$build/bench/sitrep-bench" "${common[@]}" \
    --sitrepd="$build/server/sitrepd" "$@" \
    >"$out/$name.txt" 2>"$out/$name.err" || echo "  ($name: failed or timed out, see $out/$name.err)"
}
val() {  # FILE SYSTEM FIGURE
  awk -F'\t' -v s="$2" -v f="$3" '$1 == "RESULT" && $3 == s && $4 == f { print $5; exit }' "$1" 2>/dev/null
}
median() { printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
show() {  # NAME: one line of a run
  local f=$out/$1.txt
  local se gr lc dl
  se=$(val "$f" sse "A delivered/s"); gr=$(val "$f" sitrep "A delivered/s")
  lc=$(val "$f" sse "SSE client loops CPU s"); dl=$(val "$f" sse "delivered")
  awk -v n="$1" -v se="$se" -v gr="$gr" -v lc="$lc" -v dl="$dl" \
      -v sa="$(val "$f" sse "A server CPU s")" -v ga="$(val "$f" sitrep "A server CPU s")" \
      -v sc="$(val "$f" sse "A client CPU s")" -v gc="$(val "$f" sitrep "A client CPU s")" \
      -v lost="$(awk -F'\t' '$4 ~ /^(lost|duplicates|reordered|contract violations)$/ { s += $5 } END { print s + 0 }' "$f")" \
      'BEGIN { printf "  %-14s SSE %9.0f/s  gRPC %9s/s  SSE/gRPC %5s | generator %5s us/delivery, bench CPU in A: SSE %4s s, gRPC %4s s | sitrepd CPU in A: SSE %4s s, gRPC %4s s | lost+dup+reorder+contract %s\n",
        n, se, gr == "" ? "-" : sprintf("%.0f", gr), (gr > 0 && se > 0) ? sprintf("%.2f", se / gr) : "-",
        (dl > 0) ? sprintf("%.2f", lc * 1e6 / dl) : "-", sc, gc == "" ? "-" : gc, sa, ga == "" ? "-" : ga, lost }'
}

echo "h24-sse2 quiet rerun: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S) UTC"
for r in 1 2; do
  if [ -n "$before" ]; then run "before-$r" "$before" --systems=sse; show "before-$r"; fi
  run "after-$r" "$after" --systems=sitrep,sse; show "after-$r"
done
if [ "$(nproc)" -ge 2 ]; then
  run pinned "$after" --systems=sitrep,sse --server_cpus=0 --client_cpus=1
  show pinned
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S) UTC"

ratios=(); gens=(); bgens=()
for r in 1 2; do
  se=$(val "$out/after-$r.txt" sse "A delivered/s"); gr=$(val "$out/after-$r.txt" sitrep "A delivered/s")
  [ -n "$se" ] && [ -n "$gr" ] && ratios+=("$(awk -v a="$se" -v b="$gr" 'BEGIN { print a / b }')")
  for w in after before; do
    lc=$(val "$out/$w-$r.txt" sse "SSE client loops CPU s"); dl=$(val "$out/$w-$r.txt" sse "delivered")
    [ -n "$lc" ] && [ -n "$dl" ] && v=$(awk -v a="$lc" -v b="$dl" 'BEGIN { print a * 1e6 / b }') &&
      if [ $w = after ]; then gens+=("$v"); else bgens+=("$v"); fi
  done
done
pse=$(val "$out/pinned.txt" sse "A delivered/s"); pgr=$(val "$out/pinned.txt" sitrep "A delivered/s")
echo "targets:"
awk -v m="$(median "${ratios[@]}")" 'BEGIN { printf "  SSE N=1000 A delivered/s >= gRPC (unpinned, the lower of 2 rounds): %s  %s\n", m == "" ? "-" : sprintf("%.2f", m), m == "" ? "n/a" : (m >= 1 ? "met" : "NOT MET") }'
awk -v a="$pse" -v b="$pgr" 'BEGIN { printf "  the same, pinned (servers CPU 0, clients CPU 1), beside it: %s  %s\n", (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "-", (a > 0 && b > 0) ? (a >= b ? "met" : "NOT MET") : "n/a" }'
echo "  SSE generator us per delivery (the lower of 2 rounds; far below the server's): after $(median "${gens[@]}")${before:+, before $(median "${bgens[@]}")}"
echo "raw RESULT lines: $out"

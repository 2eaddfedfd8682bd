#!/usr/bin/env bash
# Quiet rerun of h20-ingest3 (issue 20, the ingest target: sitrepd's CPU per
# update cut by a third): JetStream batched ingest through one replica
# against raw JetStream async publishing, side by side in one
# `sitrep-bench --scenario=jetstream-ingest` run.
# Target: sitrep batched >= 50 % of raw.
#
#   bench/compare/h20-ingest3.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
#   ROUNDS=3 (default): before and after alternated ROUNDS times (before
#   first in odd rounds, after first in even ones), one run each, both with
#   AFTER's sitrep-bench (--sitrepd= the build's sitrepd); OWN_BENCH=1: each
#   build with its own sitrep-bench (its load generator too). Without a
#   BEFORE, only AFTER runs.
#
# Prints per run: raw js_PublishAsync acked/s, sitrep batched acked/s, % of
# raw, sitrepd CPU us/update (batched), nats-server CPU us/update (batched;
# raw's in brackets), one-per-message acked/s and, from a sitrep-bench that
# reports them (h20-ingest4 on), the load generator's own CPU per update and
# the machine's idle share in the batched phase (raw's in brackets); then
# per build the median % next to the target, and the median CPU per update.
# Each run takes ~30 s on an idle machine (6 runs: ~3 minutes); every run is
# bounded by a timeout. Then, if the time budget allows and valgrind is
# installed, sitrepd's instructions per update for each build
# (bench/callgrind_ingest.sh, 5,000 patrol reports, 64 per message; ~20 s
# each when quiet): "instructions per update N". Read: after's median % >= 50
# is the target; before vs after within a round is the change (raw JetStream
# moves between runs); the instruction counts do not depend on the load
# (h20-ingest3 measured 59,323 before and 41,644 after at 20,000 reports).
set -uo pipefail
after=$(cd "${1:?usage: h20-ingest3.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}" && pwd)
before=${2:+$(cd "$2" && pwd)}
rounds=${ROUNDS:-3}
nats=${NATS_SERVER:-/usr/sbin/nats-server}
bench=$after/bench/sitrep-bench
[[ -x $bench ]] || { echo "no sitrep-bench at $bench" >&2; exit 2; }
work=$(mktemp -d /tmp/h20-ingest3-quiet.XXXXXX)
trap 'rm -rf "$work"' EXIT

# run NAME BUILD: one jetstream-ingest run; prints its line, appends its %
# and its sitrepd CPU per update to $work/NAME.
run() {
  local name=$1 build=$2 out
  # The whole script stays within ~4 minutes: a run that would start past
  # 200 s is skipped and says so.
  if ((SECONDS > 170)); then echo "  $name: skipped (time budget)"; return; fi
  local run_bench=$bench
  [[ -n ${OWN_BENCH:-} ]] && run_bench=$build/bench/sitrep-bench
  out=$(timeout 60 "$run_bench" --scenario=jetstream-ingest --duration=5s \
    --nats_server="$nats" --sitrepd="$build/server/sitrepd" 2>"$work/$name.err")
  local raw bat pct cpu nats_b nats_r one
  raw=$(awk -F'\t' '$4=="js_PublishAsync acked/s" {print $5}' <<<"$out")
  bat=$(awk -F'\t' '$4=="stream batched acked/s" {print $5}' <<<"$out")
  pct=$(awk -F'\t' '$4=="batched / raw JetStream %" {print $5}' <<<"$out")
  cpu=$(awk -F'\t' '$4=="stream batched sitrepd CPU us/update" {print $5}' <<<"$out")
  nats_b=$(awk -F'\t' '$4=="stream batched nats-server CPU us/update" {print $5}' <<<"$out")
  nats_r=$(awk -F'\t' '$3=="jetstream" && $4=="nats-server CPU us/update" {print $5}' <<<"$out")
  one=$(awk -F'\t' '$4=="stream acked/s" {print $5}' <<<"$out")
  local gen_b gen_r idle_b idle_r
  gen_b=$(awk -F'\t' '$4=="stream batched sitrep-bench CPU us/update" {print $5}' <<<"$out")
  gen_r=$(awk -F'\t' '$3=="jetstream" && $4=="sitrep-bench CPU us/update" {print $5}' <<<"$out")
  idle_b=$(awk -F'\t' '$4=="stream batched machine idle %" {print $5}' <<<"$out")
  idle_r=$(awk -F'\t' '$3=="jetstream" && $4=="machine idle %" {print $5}' <<<"$out")
  if [[ -z $pct ]]; then
    echo "  $name: FAILED ($(tail -2 "$work/$name.err" | tr '\n' ' '))"
    return
  fi
  printf '  %-6s raw %8.0f/s  batched %8.0f/s  %5.1f %% of raw  sitrepd %5.1f us/update  nats-server %5.1f (raw %4.1f) us/update  one-per-message %7.0f/s\n' \
    "$name" "$raw" "$bat" "$pct" "$cpu" "$nats_b" "$nats_r" "$one"
  if [[ -n $gen_b ]]; then
    printf '         sitrep-bench %5.1f (raw %4.1f) us/update  machine idle %4.1f %% (raw %4.1f %%)\n' \
      "$gen_b" "$gen_r" "$idle_b" "$idle_r"
  fi
  echo "$pct $cpu $nats_b $nats_r ${gen_b:--} ${gen_r:--}" >>"$work/$name"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }

echo "# h20-ingest3 quiet rerun, $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"
echo "# after: $after${before:+; before: $before}; bench: $bench"
for ((r = 1; r <= rounds; r++)); do
  echo "round $r"
  if [[ -z $before ]]; then
    run after "$after"
  elif ((r % 2)); then
    run before "$before"; run after "$after"
  else
    run after "$after"; run before "$before"
  fi
done
echo "# $(uptime | sed 's/.*load/load/')"
for name in before after; do
  [[ -s $work/$name ]] || continue
  pct=$(cut -d' ' -f1 "$work/$name" | median)
  cpu=$(cut -d' ' -f2 "$work/$name" | median)
  nb=$(cut -d' ' -f3 "$work/$name" | median)
  nr=$(cut -d' ' -f4 "$work/$name" | median)
  gb=$(cut -d' ' -f5 "$work/$name" | grep -v -- - | median | awk '{print ($1 == "n/a" ? $1 : sprintf("%.1f", $1))}')
  gr=$(cut -d' ' -f6 "$work/$name" | grep -v -- - | median | awk '{print ($1 == "n/a" ? $1 : sprintf("%.1f", $1))}')
  verdict=$(awk -v p="$pct" 'BEGIN {print (p >= 50 ? "met" : "NOT MET")}')
  printf '%s: median %.1f %% of raw (target >= 50 %%: %s), median CPU per batched update: sitrepd %.1f us, nats-server %.1f us (raw %.1f us), sitrep-bench %s us (raw %s us)\n' \
    "$name" "$pct" "$verdict" "$cpu" "$nb" "$nr" "$gb" "$gr"
done

# h20-pipe.sh runs the alternated runs above and its own rounds instead.
if [[ -n ${SKIP_INSTRUCTIONS:-} ]]; then exit 0; fi

# Instructions per update (sitrepd under callgrind, jetstream store on a
# fresh nats-server; 5,000 patrol reports, 64 per message): the figure the
# CPU cut is measured by, independent of the machine's load.
cg_script=$(sed -n "s/^CMAKE_HOME_DIRECTORY:INTERNAL=//p" "$after/CMakeCache.txt")/bench/callgrind_ingest.sh
for name in before after; do
  build=$after
  [[ $name == before ]] && build=$before
  [[ -n $build ]] || continue
  if ! command -v valgrind >/dev/null; then echo "instructions $name: skipped (no valgrind)"; continue; fi
  if ((SECONDS > 190)); then echo "instructions $name: skipped (time budget)"; continue; fi
  line=$(NATS_SERVER=$nats SITREP_BENCH=$bench timeout 45 "$cg_script" "$build/server/sitrepd" "$work/cg-$name" 5000 64 2>/dev/null | tail -1)
  per=$(sed -n 's/.*per_update \([0-9]*\).*/\1/p' <<<"$line")
  if [[ -n $per ]]; then
    echo "instructions $name: instructions per update $per"
  else
    echo "instructions $name: FAILED"
  fi
done
echo "# end $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"

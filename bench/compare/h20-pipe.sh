#!/usr/bin/env bash
# Quiet rerun of h20-pipe (issue 20, the ingest target, rounds pipelined
# across group commits): JetStream batched
# ingest through one replica against raw JetStream async publishing, side by
# side in one `sitrep-bench --scenario=jetstream-ingest` run.
# Target: sitrep batched >= 50 % of raw.
#
#   bench/compare/h20-pipe.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
#   ROUNDS=3 (default): before and after alternated ROUNDS times (before
#   first in odd rounds, after first in even ones), one run each, both with
#   AFTER's sitrep-bench (--sitrepd= the build's sitrepd). Without a BEFORE,
#   only AFTER runs.
#
# Prints per run: raw js_PublishAsync acked/s, sitrep batched acked/s, % of
# raw, sitrepd CPU us/update (batched), nats-server CPU us/update (batched;
# raw's in brackets), one-per-message acked/s; then the median % and the
# median sitrepd CPU per build, next to the target. Each run takes ~30 s on
# an idle machine (6 runs: ~3 minutes); every run is bounded by a timeout.
# Then one bench/jetstream_rounds.sh run per build (150,000 updates, ~10 s
# each when quiet): "N publishes in R rounds, U updates per round" and its
# RESULT line (updates/s). Read: after's median % >= 50 is the target;
# before vs after in the same rounds is the change (raw JetStream moves
# between runs, so compare within a round).
set -uo pipefail
after=$(cd "${1:?usage: h20-pipe.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}" && pwd)
before=${2:+$(cd "$2" && pwd)}
rounds=${ROUNDS:-3}
nats=${NATS_SERVER:-/usr/sbin/nats-server}
bench=$after/bench/sitrep-bench
[[ -x $bench ]] || { echo "no sitrep-bench at $bench" >&2; exit 2; }
work=$(mktemp -d /tmp/h20-pipe-quiet.XXXXXX)
trap 'rm -rf "$work"' EXIT

# run NAME BUILD: one jetstream-ingest run; prints its line, appends its %
# and its sitrepd CPU per update to $work/NAME.
run() {
  local name=$1 build=$2 out
  # The whole script stays within ~4 minutes: a run that would start past
  # 200 s is skipped and says so.
  if ((SECONDS > 200)); then echo "  $name: skipped (time budget)"; return; fi
  out=$(timeout 60 "$bench" --scenario=jetstream-ingest --duration=5s \
    --nats_server="$nats" --sitrepd="$build/server/sitrepd" 2>"$work/$name.err")
  local raw bat pct cpu nats_b nats_r one
  raw=$(awk -F'\t' '$4=="js_PublishAsync acked/s" {print $5}' <<<"$out")
  bat=$(awk -F'\t' '$4=="stream batched acked/s" {print $5}' <<<"$out")
  pct=$(awk -F'\t' '$4=="batched / raw JetStream %" {print $5}' <<<"$out")
  cpu=$(awk -F'\t' '$4=="stream batched sitrepd CPU us/update" {print $5}' <<<"$out")
  nats_b=$(awk -F'\t' '$4=="stream batched nats-server CPU us/update" {print $5}' <<<"$out")
  nats_r=$(awk -F'\t' '$3=="jetstream" && $4=="nats-server CPU us/update" {print $5}' <<<"$out")
  one=$(awk -F'\t' '$4=="stream acked/s" {print $5}' <<<"$out")
  if [[ -z $pct ]]; then
    echo "  $name: FAILED ($(tail -2 "$work/$name.err" | tr '\n' ' '))"
    return
  fi
  printf '  %-6s raw %8.0f/s  batched %8.0f/s  %5.1f %% of raw  sitrepd %5.1f us/update  nats-server %5.1f (raw %4.1f) us/update  one-per-message %7.0f/s\n' \
    "$name" "$raw" "$bat" "$pct" "$cpu" "$nats_b" "$nats_r" "$one"
  echo "$pct $cpu" >>"$work/$name"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }

echo "# h20-pipe quiet rerun, $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"
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
  verdict=$(awk -v p="$pct" 'BEGIN {print (p >= 50 ? "met" : "NOT MET")}')
  printf '%s: median %.1f %% of raw (target >= 50 %%: %s), median sitrepd CPU %.1f us/update batched\n' \
    "$name" "$pct" "$verdict" "$cpu"
done

# Rounds: updates per round and rounds per second over one whole run of
# 150,000 updates (64 per message, window 1,024) with bench/jetstream_rounds.sh
# (its last line). Before pipelining a round was ~450 updates (about half
# the window: one round stored while the next gathers); with a round in
# flight behind another the figure says how the window is split.
# bench/jetstream_rounds.sh of the tree (a copy beside this script if the
# build dir has no source tree next to it).
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

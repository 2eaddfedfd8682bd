#!/usr/bin/env bash
# Quiet rerun of h20-ingest (issue 20, the ingest target): JetStream batched
# ingest through one replica against raw JetStream async publishing, side by
# side in one `sitrep-bench --scenario=jetstream-ingest` run.
# Target: sitrep batched >= 50 % of raw.
#
#   bench/compare/h20-ingest.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]
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
set -uo pipefail
after=$(cd "${1:?usage: h20-ingest.sh AFTER_BUILD_DIR [BEFORE_BUILD_DIR]}" && pwd)
before=${2:+$(cd "$2" && pwd)}
rounds=${ROUNDS:-3}
nats=${NATS_SERVER:-/usr/sbin/nats-server}
bench=$after/bench/sitrep-bench
[[ -x $bench ]] || { echo "no sitrep-bench at $bench" >&2; exit 2; }
work=$(mktemp -d /tmp/h20-ingest-quiet.XXXXXX)
trap 'rm -rf "$work"' EXIT

# run NAME BUILD: one jetstream-ingest run; prints its line, appends its %
# and its sitrepd CPU per update to $work/NAME.
run() {
  local name=$1 build=$2 out
  out=$(timeout 120 "$bench" --scenario=jetstream-ingest --duration=5s \
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

echo "# h20-ingest quiet rerun, $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"
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

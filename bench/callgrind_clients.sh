#!/usr/bin/env bash
# Instructions per delivery of the fan-out's subscribers' side (the load
# generator), repeatable under load: sitrep-bench itself runs under
# valgrind's callgrind (the server natively), and the instructions are
# divided by the updates it delivered. Issue 24: the SSE load generator must
# not be the bottleneck; this is how it is compared with the gRPC
# subscribers and with an earlier build.
#
#   bench/callgrind_clients.sh BUILD_DIR sse|sitrep OUT [read-path]
#   bench/callgrind_clients.sh build sse /tmp/cg-sse read-path
#
# With "read-path" only the SSE generator's read path is counted
# (HttpLoad::Loop::Readable inclusive: recv, parse, verification), else the
# whole process (publisher, subscribers, verification). N=300, phases of
# 3 s, bounded by a 400 s timeout. Prints "OUT instructions I delivered D
# per_delivery X"; OUT.cg is the dump, for callgrind_annotate.
set -euo pipefail
build=${1:?usage: callgrind_clients.sh BUILD_DIR sse|sitrep OUT [read-path]}
system=${2:?usage: callgrind_clients.sh BUILD_DIR sse|sitrep OUT [read-path]}
out=${3:?usage: callgrind_clients.sh BUILD_DIR sse|sitrep OUT [read-path]}
toggle=()
[[ ${4:-} == read-path ]] && toggle=(--toggle-collect='*HttpLoad::Loop::Readable*')
command -v valgrind >/dev/null || { echo "callgrind_clients: valgrind is not installed" >&2; exit 2; }
timeout --kill-after=10 400 valgrind --tool=callgrind --callgrind-out-file="$out.cg" "${toggle[@]}" \
  "$build/bench/sitrep-bench" --scenario=fanout --systems="$system" --subscribers=300 \
  --warmup=3s --duration=3s --rate=200 --lag_limit=2048 \
  --sitrepd="$build/server/sitrepd" >"$out.txt" 2>"$out.err"
ir=$(callgrind_annotate "$out.cg" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' || true)
delivered=$(awk -F'\t' '$4 == "delivered" { print $5; exit }' "$out.txt")
awk -v o="$out" -v i="$ir" -v d="$delivered" \
  'BEGIN { printf "%s instructions %s delivered %s per_delivery %.0f\n", o, i, d, (d > 0 ? i / d : 0) }'

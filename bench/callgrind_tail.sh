#!/usr/bin/env bash
# Instructions per tailed update of a JetStream replica that serves nobody
# (every replica pays them for every update: the scaling law's tail),
# repeatable under load. On a fresh `nats-server -js`, one sitrepd takes
# the publishes; a second one, under valgrind's callgrind, only tails the
# stream. Its counters are zeroed once it serves; COUNT updates are
# published through the first (sitrep-bench --scenario=ingest-count, BATCH
# per message); once the second's sitrep_store_head_sequence reaches COUNT
# its counters are dumped (the tail only: no start-up, no shutdown).
#
#   bench/callgrind_tail.sh SITREPD SITREP_BENCH OUT [COUNT] [BATCH]
#
# Prints "OUT instructions N per_update X"; OUT.1 is the dump, for
# `callgrind_annotate --inclusive=yes OUT.1`. Compare two sitrepd binaries
# with the same COUNT and BATCH (docs/performance.md, "h20-cap2").
set -euo pipefail
sitrepd=${1:?usage: callgrind_tail.sh SITREPD SITREP_BENCH OUT [COUNT] [BATCH]}
bench=${2:?usage: callgrind_tail.sh SITREPD SITREP_BENCH OUT [COUNT] [BATCH]}
out=${3:?usage: callgrind_tail.sh SITREPD SITREP_BENCH OUT [COUNT] [BATCH]}
count=${4:-20000}
batch=${5:-64}
nats_server=${NATS_SERVER:-/usr/sbin/nats-server}
command -v valgrind >/dev/null || { echo "callgrind_tail: valgrind is not installed" >&2; exit 2; }
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
rm -f "$out" "$out".*
"$nats_server" -a 127.0.0.1 -p -1 -js -sd "$dir/js" >"$dir/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "Server is ready" "$dir/nats.log" && break; sleep 0.1; done
nats_port=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/nats.log" | head -1)
[[ -n $nats_port ]] || { cat "$dir/nats.log" >&2; exit 1; }
# The flags sitrep-bench gives its replicas (bench/replicas_target.cc).
common=(--listen=127.0.0.1:0 --fsync=off --publish_rate=0 --max_streams_per_principal=0
        --http_address= --store=jetstream "--nats_url=nats://127.0.0.1:$nats_port"
        --stream=BENCH --nats_subject_prefix=bench)
wait_port() {  # FILE PID: up to 10 minutes (valgrind starts slowly)
  for _ in $(seq 1 1200); do
    [[ -s $1 ]] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
"$sitrepd" "${common[@]}" --port_file="$dir/port-a" --data_dir="$dir/a" \
  --metrics_address=127.0.0.1:0 2>"$dir/a.log" &
pids+=($!)
wait_port "$dir/port-a" $! || { cat "$dir/a.log" >&2; exit 1; }
# A free port for the tailing replica's /metrics (bound and released just
# before sitrepd takes it).
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
valgrind --tool=callgrind --callgrind-out-file="$out" \
  "$sitrepd" "${common[@]}" --port_file="$dir/port-t" --data_dir="$dir/t" \
  --metrics_address=127.0.0.1:$mport 2>"$dir/t.log" &
tail_pid=$!
pids+=($tail_pid)
wait_port "$dir/port-t" $tail_pid || { cat "$dir/t.log" >&2; exit 1; }
callgrind_control -z "$tail_pid" >/dev/null 2>&1
timeout 300 "$bench" --scenario=ingest-count --ingest_address="127.0.0.1:$(cat "$dir/port-a")" \
  --ingest_count="$count" --publish_batch="$batch" >"$dir/bench.out" 2>&1 \
  || { cat "$dir/bench.out" >&2; exit 1; }
head=0
for _ in $(seq 1 600); do  # at most 5 minutes behind
  head=$(curl -s "http://127.0.0.1:$mport/metrics" |
         awk '/^sitrep_store_head_sequence/ {print int($2)}')
  [[ ${head:-0} -ge $count ]] && break
  sleep 0.5
done
[[ ${head:-0} -ge $count ]] || { echo "callgrind_tail: the tail stopped at ${head:-?} of $count" >&2; exit 1; }
callgrind_control -d "$tail_pid" >/dev/null 2>&1
kill -TERM "$tail_pid"
wait "$tail_pid" || true
dump=$(ls "$out".* 2>/dev/null | head -1)
[[ -n $dump ]] || { echo "callgrind_tail: no dump" >&2; exit 1; }
[[ $dump == "$out.1" ]] || mv "$dump" "$out.1"
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out.1")
echo "$out instructions $total per_update $((total / count))"

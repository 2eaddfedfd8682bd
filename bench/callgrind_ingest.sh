#!/usr/bin/env bash
# sitrepd's instructions per ingested update, repeatable under load (a CPU
# figure in seconds is not, on a shared machine): starts SITREPD under
# valgrind's callgrind, zeroes its counters once it serves, publishes COUNT
# patrol reports through one PublishStream, BATCH per message
# (sitrep-bench --scenario=ingest-count), dumps the counters (the workload
# only: no start-up, no shutdown) and stops it.
#
#   bench/callgrind_ingest.sh SITREPD OUT [COUNT] [BATCH]
#   SITREP_BENCH=build/bench/sitrep-bench \
#     bench/callgrind_ingest.sh build/server/sitrepd /tmp/cg-after 20000 1
#
# Prints "OUT instructions N per_update X"; OUT.1 is the dump, for
# `callgrind_annotate OUT.1`. Run two binaries with the same COUNT and BATCH
# to compare them (docs/performance.md, "CPU per update").
#
# With NATS_SERVER=/usr/sbin/nats-server, sitrepd runs --store=jetstream on
# a fresh `nats-server -js` (not under callgrind) with sitrep-bench's
# jetstream-ingest settings: the instructions of the JetStream log's
# ingest, writer, tail and notifier included.
#
# With GENERATOR=1 the load generator is measured instead: sitrepd runs as
# it is and sitrep-bench (every thread: the PublishStream writer, its ack
# reader, gRPC's) runs under callgrind twice, for COUNT and for 2 x COUNT
# updates; the difference of the two totals over COUNT is its instructions
# per update without its start-up. Prints "OUT generator instructions N1 N2
# per_update X"; OUT.1 and OUT.2 are the dumps.
set -euo pipefail
sitrepd=${1:?usage: callgrind_ingest.sh SITREPD OUT [COUNT] [BATCH]}
out=${2:?usage: callgrind_ingest.sh SITREPD OUT [COUNT] [BATCH]}
count=${3:-20000}
batch=${4:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${SITREP_BENCH:-$here/build/bench/sitrep-bench}
[[ -x $bench ]] || { echo "callgrind_ingest: no sitrep-bench at $bench (set SITREP_BENCH)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind_ingest: valgrind is not installed" >&2; exit 2; }

dir=$(mktemp -d)
pid=
nats_pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ -n $nats_pid ]]; then kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
rm -f "$out" "$out".*
store=()
if [[ -n ${NATS_SERVER:-} ]]; then
  "$NATS_SERVER" -a 127.0.0.1 -p -1 -js -sd "$dir/js" >"$dir/nats.log" 2>&1 &
  nats_pid=$!
  for _ in $(seq 1 100); do
    grep -q "Server is ready" "$dir/nats.log" && break
    sleep 0.1
  done
  nats_port=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/nats.log" | head -1)
  [[ -n $nats_port ]] || { cat "$dir/nats.log" >&2; echo "callgrind_ingest: nats-server did not start" >&2; exit 1; }
  # bench/jetstream_ingest_scenario.cc's StoreFlags.
  store=(--store=jetstream "--nats_url=nats://127.0.0.1:$nats_port" --stream=BENCH --nats_subject_prefix=bench)
fi
# The flags sitrep-bench gives the sitrepd it starts (bench/system_under_test.cc).
server=(valgrind --tool=callgrind --callgrind-out-file="$out")
[[ -n ${GENERATOR:-} ]] && server=()
"${server[@]}" \
  "$sitrepd" --listen=127.0.0.1:0 --port_file="$dir/port" \
  --data_dir="$dir/data" --fsync=off --publish_rate=0 \
  --max_streams_per_principal=0 --metrics_address=127.0.0.1:0 \
  --http_address= "${store[@]}" 2>"$dir/stderr" &
pid=$!
for _ in $(seq 1 1200); do  # at most 10 minutes under valgrind
  [[ -s $dir/port ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/stderr" >&2; exit 1; }
  sleep 0.5
done
[[ -s $dir/port ]] || { echo "callgrind_ingest: sitrepd did not start" >&2; exit 1; }
port=$(cat "$dir/port")
if [[ -n ${GENERATOR:-} ]]; then
  totals=()
  for n in 1 2; do
    valgrind --tool=callgrind --callgrind-out-file="$out.$n" "$bench" \
      --scenario=ingest-count --ingest_address="127.0.0.1:$port" \
      --ingest_count="$((n * count))" --publish_batch="$batch" >/dev/null 2>"$dir/bench.err" ||
      { cat "$dir/bench.err" >&2; exit 1; }
    totals+=("$(awk '/^(summary|totals):/ {print $2; exit}' "$out.$n")")
  done
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
  echo "$out generator instructions ${totals[0]} ${totals[1]} per_update $(((totals[1] - totals[0]) / count))"
  exit 0
fi
callgrind_control -z "$pid" >/dev/null
"$bench" --scenario=ingest-count --ingest_address="127.0.0.1:$port" \
  --ingest_count="$count" --publish_batch="$batch"
callgrind_control -d "$pid" >/dev/null
kill -TERM "$pid"
wait "$pid" || true
pid=
dump=$(ls "$out".* 2>/dev/null | head -1)
[[ -n $dump ]] || { echo "callgrind_ingest: no dump" >&2; exit 1; }
[[ $dump == "$out.1" ]] || mv "$dump" "$out.1"
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out.1")
echo "$out instructions $total per_update $((total / count))"

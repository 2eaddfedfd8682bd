#!/usr/bin/env bash
# What bounds JetStream batched ingest: CPU of each side and the rounds.
# Starts nats-server -js (with monitoring) and one sitrepd --store=jetstream
# (sitrep-bench's flags), publishes COUNT updates (64 per message, window
# 1024) with sitrep-bench --scenario=ingest-count, and samples every 0.5 s:
# updates/s (the stream's messages), rounds/s (nats-server's messages to
# sitrepd beyond the tail's deliveries: one ack per round), updates per
# round, and sitrepd's and nats-server's CPU (% of a core).
# A measurement for a person (docs/performance.md, "h20-ingest"), not a test:
#   bench/jetstream_rounds.sh SITREPD SITREP_BENCH [COUNT]
# The monitoring port is a free one the kernel picks (bound and released
# just before nats-server takes it).
set -uo pipefail
sitrepd=$1 bench=$2 count=${3:-200000}
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL $p 2>/dev/null; done; rm -rf "$dir"' EXIT
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${NATS_SERVER:-/usr/sbin/nats-server}" -a 127.0.0.1 -p -1 -m "$mport" -js -sd "$dir/js" >"$dir/nats.log" 2>&1 &
nats=$!; pids+=($nats)
for _ in $(seq 100); do grep -q "Server is ready" "$dir/nats.log" && break; sleep 0.1; done
nport=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/nats.log" | head -1)
"$sitrepd" --listen=127.0.0.1:0 --port_file="$dir/port" --data_dir="$dir/data" --fsync=off \
  --publish_rate=0 --max_streams_per_principal=0 --metrics_address=127.0.0.1:0 --http_address= \
  --store=jetstream --nats_url=nats://127.0.0.1:$nport --stream=BENCH --nats_subject_prefix=bench \
  2>"$dir/sitrepd.log" &
sp=$!; pids+=($sp)
for _ in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.1; done
timeout 300 "$bench" --scenario=ingest-count --ingest_address=127.0.0.1:$(cat "$dir/port") \
  --ingest_count="$count" --publish_batch=64 >"$dir/bench.out" 2>&1 &
bp=$!
tick() { awk '{print $14+$15}' /proc/$1/stat 2>/dev/null || echo 0; }
connz() { curl -s "http://127.0.0.1:$mport/connz" | python3 -c '
import json,sys
d=json.load(sys.stdin)
i=o=0
for c in d["connections"]:
  if c.get("name")=="sitrepd": i+=c["in_msgs"]; o+=c["out_msgs"]
print(i,o)'; }
hz=$(getconf CLK_TCK)
read -r i0 o0 < <(connz); s0=$(tick $sp); n0=$(tick $nats); t0=$(date +%s.%N)
ifirst=$i0 ofirst=$o0
echo "# dt(s)  updates/s  rounds/s  updates/round  sitrepd%  nats%"
while kill -0 $bp 2>/dev/null; do
  sleep 0.5
  read -r i1 o1 < <(connz); s1=$(tick $sp); n1=$(tick $nats); t1=$(date +%s.%N)
  dt=$(echo "$t1 - $t0" | bc -l)
  awk -v di=$((i1-i0)) -v dout=$((o1-o0)) -v ds=$((s1-s0)) -v dn=$((n1-n0)) -v dt=$dt -v hz=$hz \
    'BEGIN {r=dout-di; if (r<1) r=1; printf "%5.1f %9.0f %9.0f %9.1f %8.0f %6.0f\n", dt, di/dt, r/dt, di/r, ds*100/hz/dt, dn*100/hz/dt}'
  i0=$i1; o0=$o1; s0=$s1; n0=$n1; t0=$t1
done
# Over the whole run: a sample's counters can straddle a round.
awk -v di=$((i0-ifirst)) -v dout=$((o0-ofirst)) \
  'BEGIN {r=dout-di; if (r<1) r=1; printf "# whole run: %d publishes in %d rounds, %.1f updates per round\n", di, r, di/r}'
grep RESULT "$dir/bench.out"

#!/usr/bin/env bash
# ctest's bench_replicas_smoke: sitrep-bench's replicas check through two
# sitrepd replicas on one nats-server, found at run time (not at configure
# time: the test is always registered, so a missing nats-server shows).
#   replicas_smoke.sh SITREP_BENCH
# Exits 77 (ctest's skip) without nats-server; 1 under CI=true.
set -euo pipefail
nats_server=$(command -v nats-server || true)
for candidate in /usr/sbin/nats-server /usr/local/bin/nats-server; do
  if [ -z "$nats_server" ] && [ -x "$candidate" ]; then nats_server=$candidate; fi
done
if [ -z "$nats_server" ]; then
  echo "bench_replicas_smoke: nats-server is not installed (scripts/install-deps.sh installs it)" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 77
fi
# --replica_cpu=0: correctness only, no CPU budgets (they need root and cgroups).
# Both publishing modes: one publisher on replica 0 (the verdict's), and one
# publisher per replica (both replicas' writers appending at once, each
# publisher's order verified).
for publishers in first spread; do
  "$1" --scenario=replicas --replica_counts=2 --replica_cpu=0 --nats_server="$nats_server" \
    --replica_publishers=$publishers \
    --subscribers=30 --channels=4 --warmup=1s --duration=3s --rate=200 \
    --drain_timeout=30s --capacity_step=1s --capacity_steps=4 --check
done

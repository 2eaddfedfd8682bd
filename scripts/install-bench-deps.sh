#!/usr/bin/env bash
# The benchmark's optional peers: nats-server and libnats (NATS JetStream and
# NATS core in bench/run.sh), on top of the build's own packages. Idempotent,
# as root or through sudo, never prompts.
set -euo pipefail
exec bash "$(dirname "$0")/install-deps.sh" nats-server libnats-dev

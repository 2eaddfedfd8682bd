#!/usr/bin/env bash
# Installs the Debian 12 packages bench/run.sh needs for its NATS peers
# (nats-server for JetStream and NATS core, libnats-dev for sitrep-bench's
# NATS client). Optional: without them run.sh measures sitrep and the ceiling
# only. Idempotent: does nothing (and needs no network) when all are present.
# Runs as root directly, otherwise through sudo; never prompts.
set -euo pipefail

packages=(nats-server libnats-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-bench-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
else
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

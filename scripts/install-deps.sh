#!/usr/bin/env bash
# Installs every Debian 12 package the build, the server and the tests need.
# Idempotent: does nothing (and needs no network) when all are present.
# Runs as root directly, otherwise through sudo; never prompts.
# Extra package names given as arguments are installed too (see
# install-bench-deps.sh).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang python3
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libgtest-dev libgmock-dev libsqlite3-dev libcli11-dev libssl-dev
  libcurl4-openssl-dev libnats-dev nats-server
  libevent-dev libnghttp2-dev libjemalloc-dev openssl libclang-rt-14-dev prometheus-cpp-dev chromium
  prometheus python3-yaml systemd haproxy
  libxml2-dev libxml2-utils python3-feedparser zlib1g-dev
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
else
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

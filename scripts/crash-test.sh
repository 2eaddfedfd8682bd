#!/usr/bin/env bash
# The kill -9 test of the default SQLite store (tests/cli/sitrepd_crash_test.cc)
# for a longer series than ctest's 20 cycles per --fsync policy: each cycle
# kills a real sitrepd in the middle of unary, stream and batch publishes,
# restarts it and checks every acknowledged update.
# Usage: scripts/crash-test.sh [CYCLES] [BUILD_DIR]   (200 cycles, build/)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-200}
build_dir=${2:-build}
test_binary=$build_dir/tests/cli/sitrepd_crash_test
if [ ! -x "$test_binary" ]; then
  echo "crash-test: $test_binary missing; run make build first" >&2
  exit 1
fi
SITREP_CRASH_CYCLES=$cycles exec "$test_binary"

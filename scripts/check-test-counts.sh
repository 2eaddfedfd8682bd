#!/usr/bin/env bash
# Checks that every ctest label holds at least the number of tests that
# tests/test-counts.txt expects: a category that silently vanished (a
# test registered only when a tool was found at configure time, a folder
# dropped from the build, a discovery that found nothing) fails `make test`
# instead of passing as "all tests passed" with fewer tests.
# Usage: scripts/check-test-counts.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
expected=tests/test-counts.txt
failed=0
while read -r label minimum _; do
  case "$label" in ''|'#'*) continue ;; esac
  total=$(ctest --test-dir "$build_dir" -N -L "^${label}\$" | sed -n 's/^Total Tests: //p')
  if [ -z "$total" ] || [ "$total" -lt "$minimum" ]; then
    echo "check-test-counts: label '$label' has ${total:-no} tests, $expected expects at least $minimum" \
         "(a test no longer registered? see ctest -N -L '^${label}\$'; lower the number there only when tests were removed on purpose)" >&2
    failed=1
  else
    echo "check-test-counts: $label: $total tests (at least $minimum)"
  fi
done < "$expected"
exit $failed

#!/usr/bin/env bash
# CTest's entry to dashboard_e2e.mjs (see CMakeLists.txt):
#   run_dashboard_e2e.sh SITREPD SITREP SCREENSHOT.png
# Exits 77 (CTest's skip) when node is absent (1 under CI=true: CI must not
# take a skipped test for a passing one), 1 with the fix when another
# prerequisite is missing. SITREP_CHROMIUM overrides /usr/bin/chromium.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 SITREPD SITREP SCREENSHOT.png" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
chromium=${SITREP_CHROMIUM:-/usr/bin/chromium}

if ! command -v node >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "dashboard_e2e: FAILED: node is not installed (CI=true; scripts/install-browser-test-deps.sh installs it)" >&2
    exit 1
  fi
  echo "dashboard_e2e: SKIPPED: node is not installed (scripts/install-browser-test-deps.sh installs it)"
  exit 77
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "dashboard_e2e: FAILED: tests/browser/node_modules is missing: run scripts/install-browser-test-deps.sh" >&2
  exit 1
fi
if [ ! -x "$chromium" ]; then
  echo "dashboard_e2e: FAILED: no Chromium at $chromium (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 1
fi
exec node "$here/dashboard_e2e.mjs" --sitrepd="$1" --sitrep="$2" --screenshot="$3" \
  --chromium="$chromium"

#!/usr/bin/env bash
# CTest's entry to the browser tests (see CMakeLists.txt):
#   run_browser_test.sh NAME SITREPD SITREP SCREENSHOT.png
# runs NAME.mjs (dashboard_e2e, incident_view_e2e, dashboard_views_e2e). Exits 77 (CTest's skip)
# when node is absent, except under CI=true, where a missing tool fails; 1
# with the fix when another prerequisite is missing. SITREP_CHROMIUM
# overrides /usr/bin/chromium.
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 NAME SITREPD SITREP SCREENSHOT.png" >&2
  exit 2
fi
name=$1
here=$(cd "$(dirname "$0")" && pwd)
chromium=${SITREP_CHROMIUM:-/usr/bin/chromium}

if ! command -v node >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "$name: FAILED: node is not installed (scripts/install-browser-test-deps.sh installs it)" >&2
    exit 1
  fi
  echo "$name: SKIPPED: node is not installed (scripts/install-browser-test-deps.sh installs it)"
  exit 77
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "$name: FAILED: tests/browser/node_modules is missing: run scripts/install-browser-test-deps.sh" >&2
  exit 1
fi
if [ ! -x "$chromium" ]; then
  echo "$name: FAILED: no Chromium at $chromium (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 1
fi
exec node "$here/$name.mjs" --sitrepd="$2" --sitrep="$3" --screenshot="$4" \
  --chromium="$chromium"

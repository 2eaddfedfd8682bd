#!/usr/bin/env bash
# Installs what the browser test (tests/browser, ctest -L browser) needs
# besides Debian's chromium, which scripts/install-deps.sh installs:
#  - Node.js and npm, from Debian, only when `node` is not on PATH (a newer
#    Node.js already there is kept);
#  - the npm packages of tests/browser/package-lock.json (playwright-core,
#    which drives the system's Chromium and never downloads a browser).
# Idempotent: does nothing, and needs no network, while node_modules matches
# the lock file. Runs as root or through sudo (the Debian step); never prompts.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
browser_tests="$root/tests/browser"
# What the last successful `npm ci` installed, by the lock file's hash.
stamp="$browser_tests/node_modules/.sitrep-package-lock.sha256"

if ! command -v node >/dev/null 2>&1; then
  bash "$root/scripts/install-deps.sh" nodejs npm
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-browser-test-deps: node is installed but npm is not; install npm" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "install-browser-test-deps: warning: playwright-core wants Node.js >= 20, this is $(node --version)" >&2
fi

wanted=$(sha256sum "$browser_tests/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] &&
   [ -f "$browser_tests/node_modules/playwright-core/package.json" ]; then
  exit 0
fi

echo "install-browser-test-deps: npm ci in tests/browser" >&2
# --ignore-scripts: nothing may run at install (no browser download).
(cd "$browser_tests" && CI=true npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$wanted" > "$stamp"

#!/usr/bin/env bash
# CTest's entry to the interop tests (label interop):
#   run_interop_test.sh SCRIPT.mjs WORK_DIR SITREPD SITREP PROTO_DIR
# Installs the npm packages of package-lock.json into WORK_DIR (the build
# tree) with `npm ci` when they are missing or the lock file changed, then
# runs the script. Without node or npm it skips (77), except under CI=true,
# where a missing tool fails.
set -euo pipefail

if [ $# -ne 5 ]; then
  echo "usage: $0 SCRIPT.mjs WORK_DIR SITREPD SITREP PROTO_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
script=$1 work=$2

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
      echo "interop: FAILED: $tool is not installed (scripts/install-deps.sh nodejs npm)" >&2
      exit 1
    fi
    echo "interop: SKIPPED: $tool is not installed (scripts/install-deps.sh nodejs npm)"
    exit 77
  fi
done

# npm ci into the build tree, once per lock file; a lock serialises
# concurrent ctest runs of several interop tests.
mkdir -p "$work"
stamp="$work/node_modules/.sitrep-package-lock.sha256"
wanted=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
(
  flock -w 300 9 || { echo "interop: FAILED: npm ci lock busy for 300 s" >&2; exit 1; }
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$work/"
    echo "interop: npm ci in $work" >&2
    (cd "$work" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$wanted" > "$stamp"
  fi
) 9>"$work/.npm-ci.lock"

# The script resolves its packages from the build tree's node_modules.
cp "$script" "$here/sitrepd_child.mjs" "$work/"
exec timeout 90 node "$work/$(basename "$script")" --sitrepd="$3" --sitrep="$4" --proto_dir="$5"

#!/usr/bin/env bash
# Checks every ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotation with
# clang's -Wthread-safety (GCC ignores them). A syntax-only pass over the
# server and client sources, using the include paths of an existing build's
# compile_commands.json: a minute or two instead of a second full build.
# Usage: scripts/check-thread-safety.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
commands="$build_dir/compile_commands.json"
if ! command -v clang++ >/dev/null; then
  echo "check-thread-safety: clang++ not found (apt-get install clang)" >&2
  exit 1
fi
if [ ! -f "$commands" ]; then
  echo "check-thread-safety: $commands missing; build first" >&2
  exit 1
fi
python3 - "$commands" "$(pwd)" <<'PY' > "$build_dir/thread-safety-commands.txt"
import json, os, shlex, sys
top = sys.argv[2]
for entry in json.load(open(sys.argv[1])):
    source = entry["file"]
    relative = os.path.relpath(source, top)
    # Our own sources only: generated code lives in the build directory.
    if not relative.startswith(("server/", "client/")):
        continue
    args = shlex.split(entry["command"])
    keep = []
    rest = iter(args[1:])
    for a in rest:
        # CMake writes system include directories as two words
        # ("-isystem /usr/include/libxml2"): keep the directory with its flag.
        if a in ("-isystem", "-I", "-D"):
            keep += [a, next(rest, "")]
        elif a.startswith(("-I", "-D", "-std=", "-isystem")):
            keep.append(a)
    print(" ".join(["clang++", "-fsyntax-only", "-Wthread-safety",
                    "-Werror=thread-safety", "-Wno-unknown-warning-option"]
                   + [shlex.quote(a) for a in keep] + [shlex.quote(source)]))
PY
count=$(wc -l < "$build_dir/thread-safety-commands.txt")
jobs=$(nproc)
# Any clang error fails the check, not only thread-safety ones: a file
# clang cannot parse is a file whose annotations went unchecked.
check_one='out=$(eval "$1" 2>&1) && exit 0
echo "check-thread-safety: clang failed: ${1##* }" >&2
printf "%s\n" "$out" | grep -E -A3 "error:" | head -40 >&2
exit 1'
if [ "$count" -eq 0 ]; then
  echo "check-thread-safety: no server/ or client/ sources in $commands" >&2
  exit 1
fi
if xargs -d '\n' -P "$jobs" -n 1 bash -c "$check_one" _ \
    < "$build_dir/thread-safety-commands.txt"; then
  echo "check-thread-safety: $count files checked, no errors"
else
  echo "check-thread-safety: clang errors above" >&2
  exit 1
fi

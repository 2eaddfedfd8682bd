#!/usr/bin/env bash
# scripts/run-fuzzers.sh [SECONDS]
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan; the
# `fuzz` preset: build-fuzz/, only the libraries they need) and runs each for
# SECONDS (default 30) over a copy of its seed corpus: `ctest -L fuzz`.
# Exits non-zero when a fuzzer finds a crash, leak, sanitizer report or a
# broken property; the reproducer is under build-fuzz/tests/fuzz/work/.
# Idempotent; installs what is missing through scripts/install-deps.sh.
# FUZZ_JOBS (default 2) bounds both the build and the fuzzers run at once.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]  (seconds per fuzzer, default 30)" >&2
  exit 2
fi
jobs=${FUZZ_JOBS:-2}
build=build-fuzz
start=$(date +%s)

# libclang-rt-14-dev holds libFuzzer and clang's sanitizer runtimes; clang
# only recommends it, and install-deps.sh installs without recommends.
bash scripts/install-deps.sh libclang-rt-14-dev

# A build-fuzz configured with another compiler cannot be reconfigured.
if [ -f "$build/CMakeCache.txt" ] &&
    ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
echo "run-fuzzers: configuring $build (cmake --preset fuzz, ${seconds}s per fuzzer)"
CC=clang CXX=clang++ cmake --preset fuzz -DSITREP_FUZZ_SECONDS="$seconds" >/dev/null
echo "run-fuzzers: building the fuzzers (-j$jobs)"
cmake --build "$build" --target sitrep_fuzzers -j "$jobs"
built=$(date +%s)

echo "run-fuzzers: running (ctest -L fuzz -j$jobs)"
rc=0
ctest --test-dir "$build" -L fuzz --output-on-failure -j "$jobs" || rc=$?

echo "run-fuzzers: what ran"
for summary in "$build"/tests/fuzz/work/*/summary.txt; do
  [ -f "$summary" ] && sed 's/^/  /' "$summary"
done
end=$(date +%s)
echo "run-fuzzers: build $((built - start))s, fuzzing $((end - built))s, total $((end - start))s"
exit "$rc"

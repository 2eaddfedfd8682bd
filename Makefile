# The README's two commands:
#   make run   install what is missing, build, start sitrepd on the embedded store
#   make test  install what is missing, build, run every test
# Both are idempotent and work as root (or through sudo for the packages).
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
RUN_FLAGS ?=
CTEST_FLAGS ?=
FUZZ_SECONDS ?= 30

.PHONY: all deps configure build run test test-asan test-unit test-integration check-thread-safety fuzz screenshots clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/server/sitrepd $(RUN_FLAGS)

# clang's thread-safety analysis of the annotations, every test, then a
# short run of each fuzzer (FUZZ_SECONDS each) under ASan/UBSan.
# Each ctest label must hold the tests tests/test-counts.txt expects; under
# CI=true a test whose tool is missing fails instead of skipping.
test: build
	@bash scripts/check-thread-safety.sh $(BUILD_DIR)
	@bash scripts/install-browser-test-deps.sh
	@bash scripts/check-test-counts.sh $(BUILD_DIR)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)
	@$(MAKE) --no-print-directory fuzz

# libFuzzer + ASan/UBSan over the hostile-input paths (tests/fuzz/README.md),
# in its own clang build (build-fuzz).
fuzz: deps
	@bash scripts/run-fuzzers.sh $(FUZZ_SECONDS)

check-thread-safety: build
	@bash scripts/check-thread-safety.sh $(BUILD_DIR)

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

test-integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L integration

# The AddressSanitizer + UndefinedBehaviorSanitizer build of everything, and
# all tests under it.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSITREP_SANITIZE=ON -DSITREP_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

# The dashboard's screenshots in docs/ (dashboard-1024x768.png, wall mode
# dashboard-1920x1080.png, dashboard-time-travel.png), from sitrepd fed by
# `sitrep demo` in headless Chromium (tests/browser/screenshots.mjs).
screenshots: build
	@bash scripts/install-browser-test-deps.sh
	node tests/browser/screenshots.mjs --sitrepd=$(BUILD_DIR)/server/sitrepd --sitrep=$(BUILD_DIR)/client/sitrep --out=docs

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz

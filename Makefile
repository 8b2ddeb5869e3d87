# laocoon - user-facing entry points. The build itself is Meson + Ninja; this file only
# chains the steps. On a fresh Debian 12 machine: `make demo` or `make check`.
#
#   make build   gcc build in build/ (binary: build/laocoon)
#   make demo    install missing packages, build, build the demo image, scan it
#   make check   install missing packages (test tools too), build with gcc and run every
#                test, then build with clang + ASan/UBSan in build-asan/ and run them again
#   make bench   the foundation benchmark (bench/run.sh; not part of check)
#   make clean   remove build directories

PYTHON ?= /usr/bin/python3
BUILD ?= build
BUILD_ASAN ?= build-asan
MESON_TEST_ARGS ?= --print-errorlogs

# Sanitizer reports exit with codes of their own (86 ASan, 87 UBSan, 88 LSan): never 0-6,
# so a sanitizer failure cannot pass for one of laocoon's documented exit codes.
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:strict_string_checks=1:exitcode=86
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1:exitcode=87
export LSAN_OPTIONS ?= exitcode=88

.PHONY: all deps deps-check build demo check check-gcc check-asan check-valgrind build-asan fixtures \
	bench fuzz clean

all: build

deps:
	@scripts/deps.sh build

deps-check:
	@scripts/deps.sh check

$(BUILD)/build.ninja:
	CC=gcc meson setup $(BUILD)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# --- demo -------------------------------------------------------------------------------
demo: deps
	$(MAKE) build
	$(PYTHON) demo/build.py $(BUILD)/demo/image
	@echo
	@rm -rf $(BUILD)/demo/cache
	@echo "== laocoon scan $(BUILD)/demo/image"
	@t0=$$(date +%s%N); \
	$(BUILD)/laocoon scan --cache-dir $(BUILD)/demo/cache oci:$(BUILD)/demo/image; rc=$$?; \
		t1=$$(date +%s%N); \
		if [ $$rc -gt 1 ]; then echo "laocoon scan exited $$rc" >&2; exit $$rc; fi; \
		echo; echo "== the same scan again: every layer and the image now come from the layer cache"; \
		$(BUILD)/laocoon scan --cache-dir $(BUILD)/demo/cache --format json oci:$(BUILD)/demo/image >$(BUILD)/demo/rescan.json; \
		t2=$$(date +%s%N); \
		echo "first scan $$(( (t1 - t0) / 1000000 )) ms (it also compiles the rule databases into the cache)," \
			"rescan $$(( (t2 - t1) / 1000000 )) ms," \
			"$$($(PYTHON) -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["total"])' $(BUILD)/demo/rescan.json) findings"

# --- check ------------------------------------------------------------------------------
# Both suites always run (the second even when the first failed); check fails if either did.
check: deps-check
	@$(MAKE) fixtures
	@$(MAKE) build
	@rc=0; \
	$(MAKE) check-gcc || rc=1; \
	$(MAKE) check-asan || rc=1; \
	$(MAKE) check-valgrind || rc=1; \
	exit $$rc

# The cached Debian rootfs some tests scan (built once, outside the repo; needs root).
fixtures:
	@if [ "$$(id -u)" = 0 ]; then scripts/fixture-debootstrap.sh >/dev/null; \
	else scripts/fixture-debootstrap.sh --check >/dev/null 2>&1 || \
		echo "fixtures: not root, tests that need the debootstrap rootfs will be skipped"; fi

check-gcc: build
	meson test -C $(BUILD) $(MESON_TEST_ARGS)

# The core tests (unit tests, CLI scans, corpus replays) under valgrind, zero errors
# (scripts/valgrind.sh; TAP in build-valgrind/valgrind.tap, which .ci/run counts).
check-valgrind:
	scripts/valgrind.sh

$(BUILD_ASAN)/build.ninja:
	CC=clang meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false

build-asan: $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

check-asan: build-asan
	meson test -C $(BUILD_ASAN) $(MESON_TEST_ARGS) --timeout-multiplier 3

# --- fuzz -------------------------------------------------------------------------------
# libFuzzer harnesses live in fuzz/ (meson option -Dfuzz=true, clang): built in build-fuzz/
# and each run for FUZZ_SECONDS (default 60). `make check` replays their corpora and every
# kept crash (fuzz/regressions/) in both suites; fuzz/README.md records the runs.
FUZZ_SECONDS ?= 60
fuzz: deps-check
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# --- bench ------------------------------------------------------------------------------
# bench/bench.sh: issue 6's whole benchmark (floor, laocoon 1/N threads, each detector,
# warm rescan, yara/clamscan/secretlint side by side) into bench/RESULTS.md; bench/run.sh
# is the foundation's permissions-only ratio against zcat. Data in /var/tmp/laocoon-bench.
bench:
	@scripts/deps.sh bench
	[ -f build-bench/build.ninja ] || meson setup build-bench --buildtype=release
	ninja -C build-bench
	LAOCOON=build-bench/laocoon bench/bench.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz build-valgrind build-bench

# Thin wrapper around Meson+Ninja. The README's two commands are `make demo` and `make test`.
PREFIX ?= /usr/local
BUILD  ?= build
ASAN   ?= build-asan
PYTHON ?= /usr/bin/python3
MESON_OPTS ?=

BENCH  ?= build-bench
FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps install test unit-test system-test asan-test fuzz-build fuzz-regress fuzz-ci demo bench fuzz lint clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) --buildtype=debugoptimized $(MESON_OPTS)

$(ASAN)/build.ninja:
	meson setup $(ASAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

deps:
	scripts/install-deps.sh

install: all
	meson install -C $(BUILD) --no-rebuild

# Every test: static analysis, the fuzz targets (corpora replayed; 60 s of fuzzing each in CI),
# unit and system tests on the normal build and on the ASan+UBSan build.
test: deps
	$(MAKE) all
	$(MAKE) lint
	$(MAKE) fuzz-ci
	$(MAKE) unit-test BUILDDIR=$(BUILD)
	$(MAKE) system-test BUILDDIR=$(BUILD)
	$(MAKE) asan-test

# The clang build: the fuzz harnesses, which also proves the tree warning-free under clang; each
# harness replays its corpus (seeds and past findings) as a regression test.
fuzz-build:
	[ -f $(FUZZ)/build.ninja ] || CC=clang meson setup $(FUZZ) --buildtype=debugoptimized \
		-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
	ninja -C $(FUZZ)

fuzz-regress: fuzz-build
	sh fuzz/run.sh $(FUZZ) 0

# In CI (CI=true) every target also fuzzes for CI_FUZZ_SECONDS (issue 8: 60 s each; 8 targets,
# one per CPU at a time: 4 minutes on 2 CPUs); elsewhere only the corpora are replayed.
CI_FUZZ_SECONDS ?= 60
fuzz-ci: fuzz-build
	if [ "$(CI)" = true ]; then sh fuzz/run.sh $(FUZZ) $(CI_FUZZ_SECONDS); \
	else sh fuzz/run.sh $(FUZZ) 0; fi

# Static analysis: clang-tidy (.clang-tidy) and cppcheck (cppcheck.supp) on src/, errors fail.
lint: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	run-clang-tidy -p $(BUILD) -quiet '$(abspath src)/' >$(BUILD)/clang-tidy.log 2>&1 || \
		{ grep -E 'error:|warning:' $(BUILD)/clang-tidy.log | sort -u; exit 1; }
	cppcheck --enable=warning,portability,performance --inline-suppr --quiet --std=c11 \
		-I src/lib -I src/netdev -I src/ofproto -I src/tunnel -I src/mapping -I src/daemon -I $(BUILD) \
		--suppressions-list=cppcheck.supp --suppress=missingIncludeSystem --error-exitcode=1 src

asan-test: $(ASAN)/build.ninja
	ninja -C $(ASAN)
	$(MAKE) unit-test BUILDDIR=$(ASAN)
	$(MAKE) system-test BUILDDIR=$(ASAN)

unit-test:
	meson test -C $(BUILDDIR) --print-errorlogs --suite unit

system-test:
	LISPSWITCH_BUILD=$(abspath $(BUILDDIR)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/system tests/flowdiff

demo: deps
	$(MAKE) all
	$(PYTHON) scripts/demo.py --build $(abspath $(BUILD))

# Benchmarks (not tests): an optimised build, figures as ratios against a baseline of the same run.
bench:
	scripts/install-deps.sh bench
	[ -f $(BENCH)/build.ninja ] || meson setup $(BENCH) --buildtype=release
	ninja -C $(BENCH)
	sh bench/classifier/run.sh $(BENCH) bench/results
	sh bench/micro/run.sh $(BENCH) bench/results
	$(PYTHON) bench/memory/memory.py --build $(BENCH) --out bench/results
	$(PYTHON) bench/tunnel/bench.py --build $(BENCH) --out bench/results --profile

# libFuzzer on every parser of untrusted input, FUZZ_SECONDS each; a finding fails the run and
# leaves its input in $(FUZZ)/findings.
fuzz: deps fuzz-build
	sh fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCH) $(FUZZ)

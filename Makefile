# Thin wrapper around Meson+Ninja. The README's two commands are `make demo` and `make test`.
PREFIX ?= /usr/local
BUILD  ?= build
ASAN   ?= build-asan
PYTHON ?= /usr/bin/python3
MESON_OPTS ?=

BENCH  ?= build-bench
CLANG  ?= build-clang

.PHONY: all deps install test unit-test system-test asan-test clang-build demo bench clean

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

# Every test: unit and system, on the normal build and on the ASan+UBSan build; and the whole
# tree must also build warning-free with clang.
test: deps
	$(MAKE) all
	$(MAKE) clang-build
	$(MAKE) unit-test BUILDDIR=$(BUILD)
	$(MAKE) system-test BUILDDIR=$(BUILD)
	$(MAKE) asan-test

clang-build:
	[ -f $(CLANG)/build.ninja ] || CC=clang meson setup $(CLANG) --buildtype=debugoptimized
	ninja -C $(CLANG)

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
bench: deps
	[ -f $(BENCH)/build.ninja ] || meson setup $(BENCH) --buildtype=release
	ninja -C $(BENCH)
	sh bench/classifier/run.sh $(BENCH) bench/results
	sh bench/micro/run.sh $(BENCH) bench/results
	$(PYTHON) bench/tunnel/bench.py --build $(BENCH) --out bench/results --profile

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCH) $(CLANG)

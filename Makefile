# Kiln developer entry points. `make run` and `make test` work on a fresh Debian 12 machine:
# they install missing packages (scripts/install-deps.sh), configure, build, then run.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
N ?= 1000

.PHONY: all deps configure build run test bench fuzz clean format

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Builds Kiln and runs a sample script.
run: build
	./$(BUILD)/kiln wast examples/hello.wast

# Builds and runs every test suite: unit tests, spec tests, fuzz corpus replays, then prints
# the spec testsuite totals.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	bash tests/spec/totals.sh $(BUILD)

bench: build
	./$(BUILD)/bench/decode_bench ../shared/bench/sightglass
	python3 bench/run.py --build $(BUILD)

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

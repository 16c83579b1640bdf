# Kiln developer entry points. `make run` and `make test` work on a fresh Debian 12 machine:
# they install missing packages (scripts/install-deps.sh), configure, build, then run.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
N ?= 1000

.PHONY: all deps configure build run test bench fuzz-diff fuzz-diff-opt clean format

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Builds Kiln, runs a sample spec script, then a C "hello world" compiled to wasm32-wasi.
run: build
	./$(BUILD)/kiln wast examples/hello.wast
	clang-19 --target=wasm32-wasi -O2 examples/hello.c -o $(BUILD)/hello.wasm
	./$(BUILD)/kiln run $(BUILD)/hello.wasm Kiln

# Builds and runs every test suite: unit tests, spec tests, fuzz corpus replays, then prints
# the spec testsuite totals.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	bash tests/spec/totals.sh $(BUILD)

bench: build
	./$(BUILD)/bench/decode_bench ../shared/bench/sightglass
	./$(BUILD)/bench/instantiate_bench ../shared/bench/sightglass
	python3 bench/run.py --build $(BUILD)
	python3 bench/run.py --build $(BUILD) --no-run --single-threaded
	python3 bench/sightglass.py --build $(BUILD)
	python3 bench/limits.py --build $(BUILD)
	python3 bench/startup.py --kiln $(BUILD)/kiln

# Differential testing on N random modules from binaryen's fuzzer: Kiln vs Node's V8, and
# Kiln -O0 vs -O2. Failing modules are kept in $(BUILD)/fuzz-diff-results.
fuzz-diff: build
	python3 tests/diff/fuzz_diff.py --mode v8 --kiln $(BUILD)/kiln --start 1 --count $(N) --jobs $(JOBS) --results $(BUILD)/fuzz-diff-results

fuzz-diff-opt: build
	python3 tests/diff/fuzz_diff.py --mode opt --kiln $(BUILD)/kiln --start 1 --count $(N) --jobs $(JOBS) --results $(BUILD)/fuzz-diff-results

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

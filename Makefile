# The README's two commands: `make demo` and `make test`. Both install what is missing,
# configure and build (Release, -j2), then run.
BUILD_DIR ?= build
JOBS ?= 2
PODFIT := $(BUILD_DIR)/podfit
FIXTURE := fixtures/sample-app

.PHONY: all setup configure build demo test bench fuzz asan format clean

all: build

setup:
	@scripts/setup.sh

configure: setup
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	@echo "== podfit recommend (recorded load test of the seed's sample app)"
	@$(PODFIT) recommend --samples $(FIXTURE)/samples.jsonl -f $(FIXTURE)/kubernetes
	@echo
	@echo "== podfit patch (the diff a reviewer would read)"
	@$(PODFIT) patch --samples $(FIXTURE)/samples.jsonl -f $(FIXTURE)/kubernetes --html report.html
	@echo
	@echo "== wrote report.html: the same with charts (open it in a browser)"

test: build
	@scripts/setup.sh test
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

bench: build
	@bench/run.sh $(BUILD_DIR)

# libFuzzer harnesses (fuzz/), FUZZ_SECONDS each (default 60); needs clang.
fuzz:
	@scripts/setup.sh fuzz
	@fuzz/run.sh

# The whole test suite under AddressSanitizer + UBSan (RelWithDebInfo, in build-asan/).
asan: setup
	@test -f build-asan/CMakeCache.txt || cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPODFIT_SANITIZE=ON -DPODFIT_BUILD_BENCH=OFF
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR)

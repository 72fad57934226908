# The README's two commands: `make demo` and `make test`. Both install what is missing,
# configure and build (Release, -j2), then run.
BUILD_DIR ?= build
JOBS ?= 2
PODFIT := $(BUILD_DIR)/podfit
FIXTURE := fixtures/sample-app

.PHONY: all setup configure build demo test bench format clean

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
	@$(PODFIT) patch --samples $(FIXTURE)/samples.jsonl -f $(FIXTURE)/kubernetes

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

bench: build
	@bench/run.sh $(BUILD_DIR)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR)

#!/bin/sh
# make fuzz: builds the libFuzzer harnesses with clang (ASan + UBSan) in build-fuzz/ and
# runs each for FUZZ_SECONDS (default 60) from a copy of its seed corpus. A crash stops
# the run and leaves the input in build-fuzz/findings/<harness>/; copy it into
# fuzz/corpus/<harness>/ once fixed, so `make test` replays it from then on.
set -eu
build=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}
cd "$(dirname "$0")/.."
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DPODFIT_FUZZ=ON -DPODFIT_BUILD_TESTS=OFF -DPODFIT_BUILD_BENCH=OFF
fi
cmake --build "$build" -j"$jobs"
for harness in "$build"/fuzz/*_fuzz; do
  name=$(basename "$harness" _fuzz)
  work="$build/corpus/$name"
  findings="$build/findings/$name"
  mkdir -p "$work" "$findings"
  cp -n fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
  echo "== $name: ${seconds}s"
  "$harness" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$findings/" \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 "$work" 2>&1 |
    grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|cov:|ERROR|SUMMARY|Test unit written" |
    tail -4
done

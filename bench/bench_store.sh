#!/usr/bin/env bash
# The history store against its target (issue #4): 1,000 containers sampled every
# 15 s for 28 days fit in <= 100 MB and `podfit recommend --store` takes <= 2 s.
# Builds bench_store and podfit, then runs the benchmark (bench/bench_store.cpp
# says how the store is filled). Run by hand:
#   bench/bench_store.sh [BUILD_DIR] [CONTAINERS] [DAYS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
containers=${2:-1000}
days=${3:-28}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPODFIT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j1 --target podfit bench_store >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$build/bench/bench_store" --containers "$containers" --days "$days" --dir "$work" \
  --podfit "$build/podfit"

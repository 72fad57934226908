#!/usr/bin/env bash
# Runs every benchmark by hand: bench/run.sh [BUILD_DIR]. Not part of `make test`.
set -euo pipefail
here=$(dirname "$0")
build=${1:-build}
for script in "$here"/bench_*.sh; do
  echo "== $(basename "$script")"
  "$script" "$build"
done

#!/usr/bin/env bash
# The sizing table of docs/scale.md: for each CONTAINERSxDAYS, a store filled as the
# collector fills it (bench_store), then `podfit recommend --store` with and without
# --half-life 72h, each under /usr/bin/time. Run by hand:
#   bench/store_sizes.sh [BUILD_DIR] [SIZE...]      (default sizes 1000x7 1000x14 1000x28)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
shift || true
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000x7 1000x14 1000x28)
[[ -x $build/bench/bench_store ]] || { echo "build with -DPODFIT_BUILD_BENCH=ON" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for size in "${sizes[@]}"; do
  containers=${size%x*} days=${size#*x}
  "$build/bench/bench_store" --containers "$containers" --days "$days" --dir "$work" \
    --podfit "$build/podfit" > "$work/build.out"
  store=$work/bench-store.db
  run() { { /usr/bin/time -f "%e s, %M KB max RSS" "$build/podfit" recommend --store "$store" \
    "$@" -o json > /dev/null; } 2>&1 | tail -1; }
  plain=$(run)
  decayed=$(run --half-life 72h)
  echo "$containers x $days d: file $(($(stat -c %s "$store") / 1000000)) MB;" \
    "recommend $plain; --half-life 72h $decayed; load $(cut -d' ' -f1 /proc/loadavg)"
  rm -f "$store" "$store-wal" "$store-shm"
done

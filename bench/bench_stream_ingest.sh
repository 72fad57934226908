#!/usr/bin/env bash
# Streaming ingest (issue 17, docs/scale.md): `podfit recommend --samples` on the same
# 1,000 pods x 2 containers over 12 h (about 1.1 GB) and COPIES times as long must run at
# the same peak memory, at >= 150 MB/s. Generates the files under /tmp when missing
# (they are kept: tens of GB; remove them by hand), then prints wall time, MB/s and max
# RSS of each run. Run by hand:
#   bench/bench_stream_ingest.sh [BUILD_DIR] [COPIES] [OTHER_PODFIT]
# OTHER_PODFIT (say main's binary) is measured the same way, for a before/after.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
copies=${2:-9}
other=${3:-}
cmake --build "$build" -j1 --target podfit >/dev/null
short=/tmp/podfit-ingest.jsonl
long=/tmp/podfit-ingest-${copies}x.jsonl
[ -s "$short" ] || /usr/bin/python3 "$root/bench/gen_ingest_data.py" "$short"
[ -s "$long" ] || /usr/bin/python3 "$root/bench/gen_long_ingest.py" "$short" "$copies" "$long"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GB RAM"
measure() {
  local binary=$1 file=$2 log
  log=$(mktemp)
  cat "$file" >/dev/null  # into the page cache (if it fits), so the order of runs matters less
  /usr/bin/time -v "$binary" recommend --samples "$file" -o json >/dev/null 2>"$log"
  local bytes wall rss
  bytes=$(stat -c %s "$file")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
         for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  awk -v b="$bytes" -v w="$wall" -v r="$rss" -v f="$(basename "$file")" -v p="$binary" \
    'BEGIN {printf "%-28s %-40s %6.2f GB %8.1f s %7.0f MB/s %7.0f MiB max RSS\n",
            f, p, b / 1e9, w, b / 1e6 / w, r / 1024}'
  rm -f "$log"
}
for binary in "$build/podfit" ${other:+"$other"}; do
  measure "$binary" "$short"
  measure "$binary" "$long"
done

#!/usr/bin/env bash
# Benchmark: `podfit recommend --prometheus` against a real Prometheus holding
# CONTAINERS containers x DAYS days (default 1000 x 14) scraped every 60 s, read
# at a 1-minute step. Prints podfit's wall time, peak memory (max RSS), CPU time,
# Prometheus' CPU time over the run, and podfit's query summary (number of
# queries, bytes, largest answer), with the machine's load.
#
# The TSDB is built once (bench_prometheus_gen writes the OpenMetrics in time parts
# aligned to BLOCK, promtool turns the parts into blocks in parallel) and kept in
# $PODFIT_BENCH_DATA (default /work/bench-data); later runs only measure the queries.
# Prometheus runs with the same maximum block duration, so it never compacts them.
#
# Usage: bench/bench_prometheus.sh [BUILD_DIR] [CONTAINERS] [DAYS]
# Environment: BLOCK=54h (2h 6h 18h 54h 162h 486h), RUNS=1, CONCURRENCY=2,
#              PODFIT_BENCH_DATA=/work/bench-data
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
containers=${2:-1000}
days=${3:-14}
block=${BLOCK:-54h}
runs=${RUNS:-1}
concurrency=${CONCURRENCY:-2}
cache=${PODFIT_BENCH_DATA:-/work/bench-data}
end=1724457600 # 2024-08-24T00:00:00Z
scrape=60
gen=$build/bench/bench_prometheus_gen
[[ -x $gen ]] || { echo "$gen missing: build with -DPODFIT_BUILD_BENCH=ON" >&2; exit 2; }
[[ -x $build/podfit ]] || { echo "$build/podfit missing" >&2; exit 2; }

data=$cache/prometheus-${containers}c-${days}d-$block
if [[ ! -f $data/complete ]]; then
  block_s=$((${block%h} * 3600))
  start=$((end - ${days%.*} * 86400))
  tmp=$data.tmp
  rm -rf "$tmp" && mkdir -p "$tmp/data"
  parts=()
  for ((from = start / block_s * block_s; from <= end; from += block_s)); do parts+=("$from"); done
  echo "building the TSDB: ${#parts[@]} parts of $block, $(nproc) at a time, in $data" >&2
  build_part() {
    local from=$1 to=$(($1 + block_s))
    "$gen" "$containers" "$days" "$scrape" "$end" "$from" "$to" "$tmp/$from.om"
    promtool tsdb create-blocks-from openmetrics -q --max-block-duration="$block" \
      "$tmp/$from.om" "$tmp/$from" > /dev/null
    rm "$tmp/$from.om"
    mv "$tmp/$from"/* "$tmp/data/"
  }
  export -f build_part
  export gen containers days scrape end block_s block tmp
  SECONDS=0
  printf '%s\n' "${parts[@]}" | xargs -P "$(nproc)" -I{} bash -c 'build_part {}'
  echo "TSDB built in $SECONDS s: $(ls "$tmp/data" | wc -l) blocks, $(du -sh "$tmp/data" | cut -f1)" >&2
  rm -rf "$data" && mv "$tmp/data" "$data" && rm -rf "$tmp" && touch "$data/complete"
fi

work=$(mktemp -d)
prom_pid=
cleanup() {
  if [[ -n $prom_pid ]]; then kill "$prom_pid" 2> /dev/null && wait "$prom_pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
printf 'global:\n  scrape_interval: 1h\nscrape_configs: []\n' > "$work/prometheus.yml"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prometheus --storage.tsdb.path="$data" --storage.tsdb.retention.time=100y \
  --storage.tsdb.min-block-duration=2h --storage.tsdb.max-block-duration="$block" \
  --web.listen-address=127.0.0.1:$port --config.file="$work/prometheus.yml" > "$work/prom.log" 2>&1 &
prom_pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && break; sleep 0.2; done

cpu_seconds() { awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat"; }
echo "$containers containers x $days days, step 1m, blocks of $block, concurrency $concurrency"
for ((run = 1; run <= runs; ++run)); do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  prom_before=$(cpu_seconds "$prom_pid")
  /usr/bin/time -v -o "$work/time.txt" "$build/podfit" recommend -o json \
    --prometheus "http://127.0.0.1:$port" --prometheus-end 2024-08-24T00:00:00Z \
    --history "${days}d" --step 1m --prometheus-concurrency "$concurrency" \
    > "$work/out.json" 2> "$work/err.txt" || true
  prom_after=$(cpu_seconds "$prom_pid")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  user=$(sed -n 's/.*User time (seconds): //p' "$work/time.txt")
  sys=$(sed -n 's/.*System time (seconds): //p' "$work/time.txt")
  echo "run $run: wall $wall, podfit max RSS $((rss / 1024)) MB, podfit CPU ${user}s user" \
    "${sys}s sys, prometheus CPU $(awk "BEGIN{print $prom_after - $prom_before}")s, load before: $load"
  grep 'queries,' "$work/err.txt" | sed 's/^podfit: note: /  /' || true
  grep -v '^podfit: \(note\|warning\)' "$work/err.txt" || true
  echo "  recommendations: $(grep -c '"container"' "$work/out.json" || true)," \
    "warnings: $(grep -c '^podfit: warning' "$work/err.txt" || true)"
done

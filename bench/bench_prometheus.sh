#!/usr/bin/env bash
# Benchmark: `podfit recommend --prometheus` against a real Prometheus holding
# CONTAINERS containers x DAYS days (default 1000 x 14) scraped every 60 s, read
# at a 1-minute step. Prints podfit's wall time, peak memory (max RSS) and its
# query summary (number of queries, bytes, largest answer).
# Usage: bench/bench_prometheus.sh [BUILD_DIR] [CONTAINERS] [DAYS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
containers=${2:-1000}
days=${3:-14}
work=$(mktemp -d)
prom_pid=
cleanup() {
  [[ -n "$prom_pid" ]] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

end=1724457600  # 2024-08-24T00:00:00Z
echo "generating $containers containers x $days days..." >&2
/usr/bin/python3 "$here/bench_prometheus_gen.py" "$containers" "$days" 60 "$end" > "$work/trace.om"
ls -l "$work/trace.om" >&2
/usr/bin/time -f "promtool: %e s" promtool tsdb create-blocks-from openmetrics -q "$work/trace.om" "$work/data" >&2
rm "$work/trace.om"
printf 'global:\n  scrape_interval: 1h\nscrape_configs: []\n' > "$work/prometheus.yml"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prometheus --storage.tsdb.path="$work/data" --storage.tsdb.retention.time=100y \
  --web.listen-address=127.0.0.1:$port --config.file="$work/prometheus.yml" > "$work/prom.log" 2>&1 &
prom_pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && break; sleep 0.2; done

/usr/bin/time -f "podfit: wall %e s, max RSS %M kB" "$build/podfit" recommend -o json \
  --prometheus "http://127.0.0.1:$port" --prometheus-end 2024-08-24T00:00:00Z \
  --history "${days}d" --step 1m > "$work/out.json" 2> "$work/err.txt" || true
grep -v '^podfit: warning' "$work/err.txt" || true
echo "recommendations: $(grep -c '"container"' "$work/out.json")"

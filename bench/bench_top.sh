#!/usr/bin/env bash
# `podfit top -A` against `kubectl top pod -A` on the same fake API server holding
# 10,000 pods: whole-process wall time (median of RUNS) and peak memory, side by side.
# Target: podfit at least 5x faster, with less memory. Run by hand:
#   bench/bench_top.sh [BUILD_DIR] [PODS] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
pods=${2:-10000}
runs=${3:-5}
podfit=$build/podfit
[[ -x $podfit ]] || { echo "bench_top: build podfit first ($podfit missing)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sh "$root/tests/kube/make_certs.sh" "$work/certs"
cat >"$work/scenario.json" <<JSON
{"tokens": {"tok-bench": "bench"}, "fixed_tick": 0,
 "generate": {"pods": $pods, "namespaces": 20, "containers": 2}}
JSON
/usr/bin/python3 "$root/tests/kube/fake_apiserver.py" --scenario "$work/scenario.json" \
  --cert "$work/certs/server.crt" --key "$work/certs/server.key" \
  --client-ca "$work/certs/ca.crt" --port-file "$work/port" &
server_pid=$!
for _ in $(seq 100); do [[ -f $work/port ]] && break; sleep 0.1; done
cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: https://127.0.0.1:$(cat "$work/port")
    certificate-authority: $work/certs/ca.crt
users:
- name: bench
  user:
    token: tok-bench
contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
YAML

export HOME=$work KUBECONFIG=$work/kubeconfig
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
# Warm-up: the server renders and caches the list; kubectl fills its discovery cache.
"$podfit" top -A >/dev/null
/usr/bin/kubectl top pod -A >/dev/null

measure=$root/bench/top_measure.py
read -r p_time p_rss p_min p_max < <(/usr/bin/python3 "$measure" "$runs" "$work/podfit.out" -- "$podfit" top -A)
read -r k_time k_rss k_min k_max < <(/usr/bin/python3 "$measure" "$runs" "$work/kubectl.out" -- /usr/bin/kubectl top pod -A)

if cmp -s "$work/podfit.out" "$work/kubectl.out"; then same=identical; else same=DIFFERENT; fi
printf '%s pods, %s runs each (median wall time, min-max; peak RSS)\n' "$pods" "$runs"
printf '%-22s %8s  %-15s %10s\n' command "time(s)" range "peak(MiB)"
printf '%-22s %8s  %-15s %10.1f\n' "podfit top -A" "$p_time" "$p_min-$p_max" "$(awk "BEGIN{print $p_rss/1024}")"
printf '%-22s %8s  %-15s %10.1f\n' "kubectl top pod -A" "$k_time" "$k_min-$k_max" "$(awk "BEGIN{print $k_rss/1024}")"
printf 'speed-up %.1fx, memory %.2fx of kubectl; outputs %s (%s lines)\n' \
  "$(awk "BEGIN{print $k_time/$p_time}")" "$(awk "BEGIN{print $p_rss/$k_rss}")" "$same" \
  "$(wc -l <"$work/podfit.out")"

#!/usr/bin/env bash
# Patch benchmark: 1,000 manifest files holding 2,000 Deployments.
# Times the whole `podfit patch --write` process, then `kubectl patch --local` doing the
# same edit one workload at a time (a sample of invocations, extrapolated).
# usage: bench/bench_patch.sh [BUILD_DIR]   (run by hand; not part of `make test`)
set -euo pipefail
build=${1:-build}
podfit=$(realpath "$build/podfit")
work=$(mktemp -d /tmp/podfit-bench-patch.XXXXXX)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$(dirname "$0")/gen_patch_workload.py" "$work" 1000
echo "input: $(ls "$work/manifests" | wc -l) files, $(du -sh "$work/manifests" | cut -f1); samples $(du -h "$work/samples.jsonl" | cut -f1)"

cp -r "$work/manifests" "$work/diffrun"
/usr/bin/time -f "podfit patch (diff to stdout): %e s wall, %M KiB peak RSS" \
  "$podfit" patch --samples "$work/samples.jsonl" -f "$work/diffrun" >"$work/out.diff"
echo "diff: $(grep -c '^diff --git' "$work/out.diff") files changed"
/usr/bin/time -f "podfit patch --write: %e s wall, %M KiB peak RSS" \
  "$podfit" patch --write --samples "$work/samples.jsonl" -f "$work/diffrun" >/dev/null

if command -v kubectl >/dev/null; then
  sample=50
  patch='{"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"42m","memory":"96Mi"}}}]}}}}'
  export KUBECONFIG=$work/empty-kubeconfig
  : >"$KUBECONFIG"
  start=$(date +%s.%N)
  for i in $(seq 0 $((sample - 1))); do
    f=$(printf '%s/manifests/%04d.yaml' "$work" "$i")
    kubectl patch --local -f "$f" --type strategic -p "$patch" -o yaml >/dev/null
  done
  end=$(date +%s.%N)
  /usr/bin/python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]);
print(f'kubectl patch --local: {s:.2f} s for {n} files ({s/n*1000:.0f} ms each); 1,000 files (2,000 workloads) extrapolated: {s/n*1000:.0f} s')" "$start" "$end" "$sample"
fi

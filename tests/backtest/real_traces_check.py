#!/usr/bin/python3
"""The real-trace goal of docs/backtest.md as a check: backtests podfit, vpa and krr on a
subset of the real traces in ../shared/traces (every 5th series of planetlab and of
bitbrains-sep), in the 50/50 split and walk-forward (24h over 14d), and exits 1 unless
podfit's default holds what docs/backtest.md claims on each:

  - no larger CPU over-request share than the better of vpa and krr;
  - CPU throttled (usage above the CPU limit) in under 0.1 % of test samples;
  - (bitbrains, which has memory) no memory-limit crossing in a container where krr has
    none, fewer crossing samples than krr, and at least 15 % less idle memory than the
    better of the two;
  - idle CPU no more than 20 % above the better peer's (the trade-off docs/backtest.md
    shows: the 15 %-less goal is not reached).

A file is backtested by folding long series part by part (docs/scale.md); standard input
is read raw, every point kept. Each backtest also runs from standard input, and the
check fails unless the streamed totals match the raw ones: shares within 0.1 point,
memory-limit crossings within 2 %, idle CPU and memory within 1 %.

usage: real_traces_check.py PODFIT TRACES_DIR WORK_DIR; exits 77 when TRACES_DIR has no
traces. Reads the compact CSV with the standard library and numpy and writes its own
PodMetricsList JSON Lines (one list per timestamp)."""
import collections
import datetime
import json
import lzma
import os
import subprocess
import sys

import numpy as np

SETS = {"planetlab": False, "bitbrains-sep": True}  # name -> memory is judged
EVERY = 5
MODES = {"split": [], "walk-forward": ["--walk-forward", "24h", "--window", "14d"]}


def write_subset(traces, name, path):
    meta = json.load(open(os.path.join(traces, "sources.json")))["sets"][name]
    table = np.loadtxt(lzma.open(os.path.join(traces, meta["file"]), "rt"), delimiter=",",
                       skiprows=1, dtype=np.int64)
    keep = table[table[:, 0] % EVERY == 0]
    by_time = collections.defaultdict(list)
    for series, unix_s, cpu, memory in keep:
        info = meta["series"][int(series)]
        by_time[int(unix_s)].append({
            "metadata": {"name": info["pod"], "namespace": meta["namespace"],
                         "labels": {"app": info["deploy"]}},
            "timestamp": datetime.datetime.fromtimestamp(int(unix_s), datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
            "window": "5m0s",
            "containers": [{"name": "app", "usage": {"cpu": f"{cpu}n", "memory": f"{memory}Ki"}}]})
    with open(path, "w") as out:
        for unix_s in sorted(by_time):
            out.write(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                  "metadata": {}, "items": by_time[unix_s]}) + "\n")
    return len({int(s) for s in keep[:, 0]})


def backtest(podfit, samples, mode, raw=False):
    done = subprocess.run([podfit, "backtest", "--samples", "-" if raw else samples, "--compare",
                           "podfit,vpa,krr", "-o", "json", *MODES[mode]], capture_output=True,
                          text=True, stdin=open(samples) if raw else subprocess.DEVNULL)
    if done.returncode != 0:
        sys.exit(f"podfit backtest failed ({done.returncode}): {done.stderr}")
    return json.loads(done.stdout)


def measures(document):
    out = {}
    for total in document["totals"]:
        if total["namespace"] is not None:
            continue
        test = total["test"]
        out[total["policy"]] = {
            "over": test["cpu_over_request"] / test["samples"],
            "throttled": test["cpu_over_limit"] / test["samples"],
            "crossings": test["memory_over_limit"],
            "idle_cpu": test["cpu_idle_cores"], "idle_memory": test["memory_idle_bytes"]}
    crossed = collections.defaultdict(set)
    for container in document["containers"]:
        if container["test"] and container["test"]["memory_over_limit"] > 0:
            crossed[container["policy"]].add(container["workload"])
    return out, crossed


def check(name, mode, document, memory_judged):
    m, crossed = measures(document)
    podfit, peers = m["podfit"], (m["vpa"], m["krr"])
    problems = []
    if podfit["over"] > min(p["over"] for p in peers):
        problems.append("CPU over-request share above the better peer's")
    if podfit["throttled"] >= 0.001:
        problems.append("throttled in 0.1 % of test samples or more")
    if podfit["idle_cpu"] > 1.2 * min(p["idle_cpu"] for p in peers):
        problems.append("idle CPU more than 20 % above the better peer's")
    if memory_judged:
        if crossed["podfit"] - crossed["krr"]:
            problems.append(f"memory limit crossed where krr has none: {crossed['podfit'] - crossed['krr']}")
        if podfit["crossings"] >= m["krr"]["crossings"] and m["krr"]["crossings"] > 0:
            problems.append("no fewer memory-limit crossings than krr")
        if podfit["idle_memory"] > 0.85 * min(p["idle_memory"] for p in peers):
            problems.append("idle memory not 15 % below the better peer's")
    for policy in ("podfit", "vpa", "krr"):
        r = m[policy]
        print(f"{name:14} {mode:12} {policy:7} CPU>REQ {100 * r['over']:5.2f}%  throttled "
              f"{100 * r['throttled']:.3f}%  crossings {r['crossings']:5d} ({len(crossed[policy])} "
              f"containers)  idle CPU {r['idle_cpu']:6.2f}  idle memory {r['idle_memory'] / 2**30:7.2f} GiB")
    for problem in problems:
        print(f"  FAIL {name} {mode}: {problem}")
    return not problems


def same_as_raw(name, mode, streamed, raw):
    got, want = measures(streamed)[0], measures(raw)[0]
    problems = []
    for policy in ("podfit", "vpa", "krr"):
        g, w = got[policy], want[policy]
        for key in ("over", "throttled"):
            if abs(g[key] - w[key]) > 0.001:
                problems.append(f"{policy} {key} {g[key]:.5f} streamed, {w[key]:.5f} raw")
        if abs(g["crossings"] - w["crossings"]) > 0.02 * w["crossings"]:
            problems.append(f"{policy} crossings {g['crossings']} streamed, {w['crossings']} raw")
        for key in ("idle_cpu", "idle_memory"):
            if abs(g[key] - w[key]) > 0.01 * w[key]:
                problems.append(f"{policy} {key} {g[key]:.6g} streamed, {w[key]:.6g} raw")
    for problem in problems:
        print(f"  FAIL {name} {mode}: {problem}")
    return not problems


def main():
    podfit, traces, work = sys.argv[1:4]
    if not os.path.exists(os.path.join(traces, "sources.json")):
        print(f"no real traces at {traces}: skipped")
        return 77
    ok = True
    for name, memory_judged in SETS.items():
        samples = os.path.join(work, f"{name}.jsonl")
        series = write_subset(traces, name, samples)
        print(f"{name}: {series} series (every {EVERY}th)")
        for mode in MODES:
            streamed = backtest(podfit, samples, mode)
            ok = check(name, mode, streamed, memory_judged) and ok
            ok = same_as_raw(name, mode, streamed, backtest(podfit, samples, mode, raw=True)) and ok
    print("real-trace goal held" if ok else "real-trace goal NOT held")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

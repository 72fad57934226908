#!/usr/bin/python3
"""An independent reference for `podfit recommend`: reads recorded PodMetricsList
JSON Lines with the Python standard library and numpy, and prints, per Deployment
and container, the statistics and the default policy's recommendation as JSON.

Written separately from the C++ code on purpose: the tests compare the two.
Handles only what the fixtures use (Deployment pod names, n/u/m/Ki/Mi/plain)."""
import json
import math
import re
import sys
from datetime import datetime
from decimal import Decimal

import numpy as np

SUFFIX = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
          "k": Decimal(1000), "M": Decimal(10**6), "G": Decimal(10**9),
          "Ki": Decimal(1024), "Mi": Decimal(1024**2), "Gi": Decimal(1024**3)}
DEPLOYMENT_POD = re.compile(r"^(.*)-[a-z0-9]{6,10}-[a-z0-9]{5}$")
MI = 1024 * 1024


def quantity(text):
    number, suffix = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", text).groups()
    return float(Decimal(number) * SUFFIX[suffix])


def duration(text):
    """Go durations as metrics-server writes them: 15.03s, 1m0s, 500ms."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    return sum(float(n) * units[u] for n, u in re.findall(r"([0-9.]+)(ms|us|ns|h|m|s)", text))


def load(paths):
    points = {}  # (ns, workload, container) -> {(pod, timestamp): (cpu, mem)}
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            items = doc["items"] if doc.get("kind") == "PodMetricsList" else [doc]
            for item in items:
                meta = item["metadata"]
                workload = DEPLOYMENT_POD.match(meta["name"]).group(1)
                for c in item["containers"]:
                    key = (meta["namespace"], workload, c["name"])
                    points.setdefault(key, {})[(meta["name"], item["timestamp"])] = (
                        quantity(c["usage"]["cpu"]), quantity(c["usage"]["memory"]),
                        duration(item["window"]))
    return points


def summary(values):
    v = np.array(values, dtype=np.float64)
    return {"mean": float(v.mean()), "p50": float(np.percentile(v, 50)),
            "p90": float(np.percentile(v, 90)), "p95": float(np.percentile(v, 95)),
            "p99": float(np.percentile(v, 99)), "max": float(v.max())}


EXCEEDANCE_COST = 2.0  # cores


def cost_based_level(values, floor=90, cost=EXCEEDANCE_COST):
    """The default CPU request's statistic: among the tail levels from the floor (p90) up,
    every percentile to p99 then p99.5, p99.9 and the max, the first whose mean idle
    reserve + cost x share of samples above it is least. Cost 0: the floor percentile."""
    v = np.array(values, dtype=np.float64)
    if cost == 0:
        return float(np.percentile(v, floor))
    best = None
    for q in list(range(floor, 100)) + [99.5, 99.9, 100]:
        level = float(np.percentile(v, q)) if q < 100 else float(v.max())
        total = float(np.mean(np.maximum(level - v, 0))) + cost * float(np.mean(v > level))
        if best is None or total < best[0]:
            best = (total, level)
    return best[1]


def covered_seconds(series):
    """From the earliest timestamp minus its window to the latest timestamp."""
    stamps = sorted((datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp(), window)
                    for (_, stamp), (_, _, window) in series.items())
    return stamps[-1][0] - stamps[0][0] + stamps[0][1]


def growth(series):
    """The steepest memory slope (bytes/s) among pods whose memory rises steadily
    (numpy polyfit, R^2 >= 0.5, growth >= 5% of the mean), and the longest pod span."""
    by_pod = {}
    for (pod, stamp), (_, mem, _) in series.items():
        by_pod.setdefault(pod, []).append((stamp, mem))
    steepest, longest = 0.0, 0.0
    for points in by_pod.values():
        points.sort()
        t = np.array([datetime.fromisoformat(p[0].replace("Z", "+00:00")).timestamp()
                      for p in points])
        m = np.array([p[1] for p in points])
        span = t[-1] - t[0]
        longest = max(longest, span)
        if len(t) < 3 or span <= 0:
            continue
        slope = np.polyfit(t - t[0], m, 1)[0]
        r2 = np.corrcoef(t, m)[0, 1] ** 2 if m.std() > 0 else 0.0
        if slope > 0 and r2 >= 0.5 and slope * span >= 0.05 * m.mean():
            steepest = max(steepest, slope)
    return steepest, longest


def main():
    """reference_recommend.py [--cpu-floor Q] [--cost CORES] SAMPLES.jsonl..."""
    args, floor, cost = sys.argv[1:], 90, EXCEEDANCE_COST
    while args and args[0].startswith("--"):
        if args[0] == "--cpu-floor":
            floor = int(args[1])
        elif args[0] == "--cost":
            cost = float(args[1])
        else:
            sys.exit(f"unknown option {args[0]}")
        args = args[2:]
    out = []
    for (ns, workload, container), series in sorted(load(args).items()):
        cpu = summary([p[0] for p in series.values()])
        mem = summary([p[1] for p in series.values()])
        window = covered_seconds(series)
        margin = 1 + 0.15 * min(1.0, math.sqrt(3600 / window))
        level = cost_based_level([p[0] for p in series.values()], floor, cost)
        cpu_request = max(math.ceil(round(level * margin * 1000, 6)) / 1000, 0.001)
        cpu_limit = max(math.ceil(round(cpu["max"] * 2 * 1000, 6)) / 1000, cpu_request)
        mem_request = max(math.ceil(round(mem["p99"] * 1.15 / MI, 6)) * MI, 8 * MI)
        slope, longest = growth(series)
        projected_max = mem["max"] + slope * longest
        mem_limit = max(math.ceil(round(projected_max * 2 / MI, 6)) * MI, mem_request)
        out.append({"namespace": ns, "workload": workload, "container": container,
                    "samples": len(series), "cpu": cpu, "memory": mem,
                    "cpu_request": cpu_request, "cpu_limit": cpu_limit,
                    "memory_request": mem_request, "memory_limit": mem_limit})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

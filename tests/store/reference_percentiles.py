#!/usr/bin/python3
"""Independent reference for the store tests: per (namespace, pod-name prefix,
container), numpy percentiles of CPU and memory from PodMetricsList JSON Lines.

Usage: reference_percentiles.py FILE.jsonl [--since RFC3339]
Prints one JSON object: {"ns/workload/container": {"cpu": {...}, "memory": {...}}}
where each has count, max, mean, and "lower"/"linear" percentiles at 50 90 95 99.
The workload is the pod name without its last two dash-separated parts (Deployment pods)."""
import json
import re
import sys
from decimal import Decimal

import numpy as np

SUFFIX = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
          "k": Decimal(1000), "M": Decimal(10**6), "G": Decimal(10**9),
          "Ki": Decimal(1024), "Mi": Decimal(1024**2), "Gi": Decimal(1024**3)}
QUANTILES = [50, 90, 95, 99]


def quantity(text):
    number, suffix = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", text).groups()
    return float(Decimal(number) * SUFFIX[suffix])


def main():
    values = {}  # key -> {(pod, timestamp): (cpu, memory)}; repeated polls count once
    for line in open(sys.argv[1], encoding="utf-8"):
        if not line.strip():
            continue
        for item in json.loads(line)["items"]:
            meta = item["metadata"]
            workload = meta["name"].rsplit("-", 2)[0]
            for container in item["containers"]:
                key = "/".join([meta["namespace"], workload, container["name"]])
                usage = container["usage"]
                values.setdefault(key, {})[(meta["name"], item["timestamp"])] = (
                    quantity(usage["cpu"]), quantity(usage["memory"]))
    result = {}
    for key, points in values.items():
        entry = {}
        for column, name in ((0, "cpu"), (1, "memory")):
            v = np.array([p[column] for p in points.values()])
            entry[name] = {
                "count": int(v.size), "max": float(v.max()), "mean": float(v.mean()),
                "lower": [float(np.percentile(v, q, method="lower")) for q in QUANTILES],
                "linear": [float(np.percentile(v, q)) for q in QUANTILES],
            }
        result[key] = entry
    json.dump(result, sys.stdout)


main()

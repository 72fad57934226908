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
                        quantity(c["usage"]["cpu"]), quantity(c["usage"]["memory"]))
    return points


def summary(values):
    v = np.array(values, dtype=np.float64)
    return {"mean": float(v.mean()), "p50": float(np.percentile(v, 50)),
            "p90": float(np.percentile(v, 90)), "p95": float(np.percentile(v, 95)),
            "p99": float(np.percentile(v, 99)), "max": float(v.max())}


def main():
    out = []
    for (ns, workload, container), series in sorted(load(sys.argv[1:]).items()):
        cpu = summary([p[0] for p in series.values()])
        mem = summary([p[1] for p in series.values()])
        cpu_request = max(math.ceil(round(cpu["p95"] * 1.15 * 1000, 6)) / 1000, 0.001)
        cpu_limit = max(math.ceil(round(cpu["max"] * 1.25 * 1000, 6)) / 1000, cpu_request)
        mem_request = max(math.ceil(round(mem["p99"] * 1.15 / MI, 6)) * MI, 8 * MI)
        mem_limit = max(math.ceil(round(mem["max"] * 1.25 / MI, 6)) * MI, mem_request)
        out.append({"namespace": ns, "workload": workload, "container": container,
                    "samples": len(series), "cpu": cpu, "memory": mem,
                    "cpu_request": cpu_request, "cpu_limit": cpu_limit,
                    "memory_request": mem_request, "memory_limit": mem_limit})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

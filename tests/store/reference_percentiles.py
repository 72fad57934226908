#!/usr/bin/python3
"""Independent reference for the store tests, from PodMetricsList JSON Lines, per
(namespace, pod-name prefix, container) -- the workload is the pod name without its
last two dash-separated parts (Deployment pods):

  reference_percentiles.py FILE.jsonl
      numpy percentiles of CPU and memory: {"ns/workload/container": {"cpu": {...},
      "memory": {...}}}, each with count, max, mean and "lower"/"linear" percentiles
      at 50 90 95 99.
  reference_percentiles.py FILE.jsonl --neff HALF_LIFE_SECONDS RAW_WINDOW_SECONDS
      the effective number of samples (Kish: (sum w)^2 / sum w^2) under decay,
      w = 2^(-age / half-life), when every point of a compacted hour weighs what the
      hour's midpoint would and every raw point its own time. The compacted points are
      those of whole hours before the hour the raw window starts in, as
      `store compact --now latest` leaves them: {"ns/workload/container": n_eff}."""
import datetime
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


def unix_seconds(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def read_points(path):
    """key -> {(pod, timestamp): (cpu, memory)}; repeated polls count once."""
    values = {}
    for line in open(path, encoding="utf-8"):
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
    return values


def percentiles(values):
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
    return result


def effective_samples(values, half_life, raw_window):
    times = {key: [unix_seconds(stamp) for _, stamp in points] for key, points in values.items()}
    latest = max(t for ts in times.values() for t in ts)
    boundary = (latest - raw_window) // 3600 * 3600
    result = {}
    for key, ts in times.items():
        at = [t if t >= boundary else t // 3600 * 3600 + 1800 for t in ts]
        newest = max(at)
        weights = [2 ** (-(newest - t) / half_life) for t in at]
        result[key] = sum(weights) ** 2 / sum(w * w for w in weights)
    return result


def main():
    values = read_points(sys.argv[1])
    if len(sys.argv) == 5 and sys.argv[2] == "--neff":
        json.dump(effective_samples(values, float(sys.argv[3]), float(sys.argv[4])), sys.stdout)
    else:
        json.dump(percentiles(values), sys.stdout)


main()

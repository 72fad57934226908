#!/usr/bin/python3
"""Independent reference for decay over a compacted store: the effective number of
samples (Kish: (sum w)^2 / sum w^2) per (namespace, pod-name prefix, container) when
every point of a compacted hour weighs what the hour's midpoint would and every raw
point its own time, with w = 2^(-age / half-life).

Usage: reference_decay_weights.py FILE.jsonl HALF_LIFE_SECONDS RAW_WINDOW_SECONDS
The compacted points are those of whole hours before the hour the raw window starts
in, as `store compact --now latest` leaves them. Prints {"ns/workload/container": n_eff}."""
import datetime
import json
import sys


def unix_seconds(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def main():
    half_life, raw_window = float(sys.argv[2]), float(sys.argv[3])
    times = {}  # key -> {(pod, time)}: repeated polls count once
    for line in open(sys.argv[1], encoding="utf-8"):
        if not line.strip():
            continue
        for item in json.loads(line)["items"]:
            meta = item["metadata"]
            workload = meta["name"].rsplit("-", 2)[0]
            for container in item["containers"]:
                key = "/".join([meta["namespace"], workload, container["name"]])
                times.setdefault(key, set()).add((meta["name"], unix_seconds(item["timestamp"])))
    latest = max(t for points in times.values() for _, t in points)
    boundary = (latest - raw_window) // 3600 * 3600
    result = {}
    for key, points in times.items():
        # Compacted points stand at their hour's midpoint.
        at = [t if t >= boundary else (t // 3600) * 3600 + 1800 for _, t in points]
        newest = max(at)
        weights = [2 ** (-(newest - t) / half_life) for t in at]
        result[key] = sum(weights) ** 2 / sum(w * w for w in weights)
    json.dump(result, sys.stdout)


main()

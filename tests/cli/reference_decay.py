#!/usr/bin/python3
"""An independent reference for `podfit recommend --half-life H`: time-decayed
statistics and the default policy's requests, computed with numpy.

usage: reference_decay.py HALF_LIFE_SECONDS SAMPLES.jsonl...

Each sample weighs 0.5 ** ((t_newest - t) / H) (t_newest: the container's newest
sample). A weighted percentile q is the smallest value whose cumulative weight
reaches q/100 of the total (inverted CDF). Where the cumulative weight lands within
rounding of that threshold, either neighbour is right; "accept" lists both.
Reads the recorded JSON Lines with reference_recommend.load (Deployment pods only)."""
import json
import math
import os
import sys
from datetime import datetime

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_recommend import covered_seconds, growth, load  # noqa: E402

MI = 1024 * 1024
QUANTILES = (50, 90, 95, 99)


def seconds(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def weighted_percentile(values, weights, q):
    """Returns every acceptable answer: one, or two at a rounding tie."""
    order = np.argsort(values, kind="stable")
    v, cumulative = values[order], np.cumsum(weights[order])
    total = cumulative[-1]
    threshold = q / 100.0 * total
    index = min(int(np.searchsorted(cumulative, threshold, side="left")), len(v) - 1)
    accept = {float(v[index])}
    slack = 1e-9 * total
    if index > 0 and abs(cumulative[index - 1] - threshold) <= slack:
        accept.add(float(v[index - 1]))
    if index + 1 < len(v) and abs(cumulative[index] - threshold) <= slack:
        accept.add(float(v[index + 1]))
    return sorted(accept)


TAIL_LEVELS = [90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 99.5, 99.9, 100]
EXCEEDANCE_COST = 2.0  # cores


def cost_based_level(values, weights):
    """The default CPU request's statistic (weighted): among the tail levels from p90 up,
    the first whose weighted mean idle + cost x weighted share above is least; None when a
    level's weighted percentile is ambiguous (a rounding tie)."""
    values = np.array(values, dtype=np.float64)
    total = float(np.sum(weights))
    best = None
    for q in TAIL_LEVELS:
        answers = weighted_percentile(values, weights, q) if q < 100 else [float(values.max())]
        if len(answers) != 1:
            return None
        level = answers[0]
        idle = float(np.sum(weights * np.maximum(level - values, 0))) / total
        above = float(np.sum(weights[values > level])) / total
        cost = idle + EXCEEDANCE_COST * above
        if best is None or cost < best[0]:
            best = (cost, level)
    return best[1]


def statistics(values, weights):
    values = np.array(values, dtype=np.float64)
    out = {"mean": float(np.sum(values * weights) / np.sum(weights)), "max": float(values.max())}
    for q in QUANTILES:
        out["p%d" % q] = weighted_percentile(values, weights, q)
    return out


def main():
    half_life = float(sys.argv[1])
    out = []
    for (ns, workload, container), series in sorted(load(sys.argv[2:]).items()):
        times = np.array([seconds(stamp) for (_, stamp) in series.keys()])
        weights = 0.5 ** ((times.max() - times) / half_life)
        effective = float(weights.sum() ** 2 / np.sum(weights**2))
        cpu = statistics([p[0] for p in series.values()], weights)
        mem = statistics([p[1] for p in series.values()], weights)
        window = covered_seconds(series)
        effective_window = window * min(1.0, effective / len(series))
        margin = 1 + 0.15 * min(1.0, math.sqrt(3600 / effective_window))
        entry = {"namespace": ns, "workload": workload, "container": container,
                 "samples": len(series), "effective_samples": effective,
                 "window_seconds": window, "cpu": cpu, "memory": mem}
        # Requests only where the percentile is unambiguous.
        level = cost_based_level([p[0] for p in series.values()], weights)
        if level is not None:
            entry["cpu_request"] = max(math.ceil(round(level * margin * 1000, 6)) / 1000, 0.001)
            entry["cpu_limit"] = max(math.ceil(round(cpu["max"] * 2 * 1000, 6)) / 1000,
                                     entry["cpu_request"])
        if len(mem["p99"]) == 1:
            entry["memory_request"] = max(math.ceil(round(mem["p99"][0] * 1.15 / MI, 6)) * MI,
                                          8 * MI)
            slope, longest = growth(series)
            projected = mem["max"] + slope * longest
            entry["memory_limit"] = max(math.ceil(round(projected * 2 / MI, 6)) * MI,
                                        entry["memory_request"])
        out.append(entry)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

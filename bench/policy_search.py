#!/usr/bin/python3
"""Searches CPU request policies on the real traces for one that meets issue 14's goal.

    bench/policy_search.py [TRACES_DIR] [--walk-forward] [--hindsight] [--no-margin]
        [--floors 50,...] [--half-lives 0,24,...] [--costs 0.75,...] [--only FLOOR,HALF_LIFE_H,COST;...]

Reads ../shared/traces/<set>.csv.xz directly (CPU only) and re-implements, in numpy, the
family of podfit's cost-based CPU request: levels from a floor percentile up (every
percentile to p99, then p99.5, p99.9, max), optionally decayed with a half-life (weighted
inverted-CDF percentiles, as podfit's --half-life), the level of least
`mean idle + cost x share above` taken, times the margin 1 + 0.15 sqrt(1h / history),
at least 1m, rounded up to 1m. It also computes the VPA's CPU request (p90 x 1.15, at
least 25m) and KRR's (p95). Each policy is replayed in the 50/50 split (and with
--walk-forward, every 24h from the trailing 14d, podfit with its 10 % min-change, the presets
without one, as src/backtest/presets.cpp) and judged
against the goal: CPU over-request share no more than the better peer's, idle CPU at
least 15 % below the better peer's. The default (floor 90, no decay, cost 2) must give
podfit's own backtest totals (docs/backtest.md) within a few tenths: that is the check
that this re-implementation is the policy podfit runs.
"""
import argparse
import itertools
import lzma
import os
import sys

import numpy as np

SETS = ("planetlab", "bitbrains-aug", "bitbrains-sep")
DAY = 86400


def load(traces, name):
    """{series: (times, cores)} from <set>.csv.xz (header series,unix_s,cpu_nanocores,...)."""
    with lzma.open(os.path.join(traces, f"{name}.csv.xz"), "rt") as file:
        next(file)
        table = np.loadtxt(file, delimiter=",", usecols=(0, 1, 2), dtype=np.int64)
    out = {}
    for series in np.unique(table[:, 0]):
        rows = table[table[:, 0] == series]
        rows = rows[np.argsort(rows[:, 1], kind="stable")]
        out[int(series)] = (rows[:, 1].astype(float), rows[:, 2] / 1e9)
    return out


def levels_from(floor):
    return [float(q) for q in range(floor, 100)] + [99.5, 99.9, 100.0]


def cost_based(times, cores, floor, half_life_h, cost, with_margin=True):
    """podfit's cost-based CPU request from one training part."""
    order = np.argsort(cores, kind="stable")
    values = cores[order]
    if half_life_h:
        weights = np.exp2(-(times[-1] - times) / (half_life_h * 3600))[order]
    else:
        weights = np.ones_like(values)
    total = weights.sum()
    levels = levels_from(floor)
    if half_life_h:
        cumulative = np.cumsum(weights)
        ranks = np.searchsorted(cumulative, np.array(levels) / 100 * total)
        points = values[np.minimum(ranks, len(values) - 1)]
        points[-1] = values[-1]
        effective = total**2 / np.square(weights).sum()
    else:
        points = np.percentile(values, levels)
        effective = len(values)
    below = np.searchsorted(values, points, side="right")
    weighted_sum = np.concatenate([[0.0], np.cumsum(values * weights)])
    weight_sum = np.concatenate([[0.0], np.cumsum(weights)])
    idle = (points * weight_sum[below] - weighted_sum[below]) / total
    above = (total - weight_sum[below]) / total
    best = int(np.argmin(idle + cost * above))
    history_h = (times[-1] - times[0]) / 3600 * effective / len(values)
    margin = 1 + 0.15 * np.sqrt(min(1.0, 1.0 / max(history_h, 1e-9))) if with_margin else 1.0
    return rounded(points[best] * margin)


def vpa(times, cores):
    return rounded(max(np.percentile(cores, 90) * 1.15, 0.025))


def krr(times, cores):
    return rounded(np.percentile(cores, 95))


def rounded(value):
    return max(np.ceil(value * 1000 - 1e-9), 1) / 1000


def sufficient(times):
    return len(times) >= 20 and times[-1] - times[0] >= 600


def replay(series, policy, walk_forward, min_change=0.1):
    """(CPU over-request share, idle CPU cores summed over containers) of the test part."""
    first = min(t[0] for t, _ in series.values())
    last = max(t[-1] for t, _ in series.values())
    above = samples = 0
    idle = 0.0
    for times, cores in series.values():
        if walk_forward:
            bounds = np.arange(first + DAY, last + 1, DAY)
            windows = [(max(first, b - 14 * DAY), b, b + DAY) for b in bounds]
        else:
            middle = first + (last - first) / 2
            windows = [(first, middle, last + 1)]
        current, reserve, count = None, 0.0, 0
        for start, cut, end in windows:
            train = (times >= start) & (times < cut)
            test = cores[(times >= cut) & (times < end)]
            if sufficient(times[train]):
                request = policy(times[train], cores[train])
                if current is None or not walk_forward or abs(request - current) >= min_change * current:
                    current = request
            if current is None or not len(test):
                continue
            above += int(np.sum(test > current))
            reserve += float(np.sum(np.maximum(current - test, 0)))
            count += len(test)
        samples += count
        idle += reserve / count if count else 0
    return above / samples, idle


def hindsight(series, share_goal):
    """The least idle CPU any one request per container could give in the split's test part
    at no more than share_goal above it, chosen knowing the test part (a lower bound for any
    policy that sets one request from the past)."""
    first = min(t[0] for t, _ in series.values())
    middle = first + (max(t[-1] for t, _ in series.values()) - first) / 2
    tests = [np.sort(c[t >= middle]) for t, c in series.values()
             if sufficient(t[t < middle]) and np.any(t >= middle)]
    total = sum(len(u) for u in tests)
    options = []
    for u in tests:
        below = np.searchsorted(u, u, side="right")
        options.append(((u * below - np.cumsum(u)[below - 1]) / len(u), len(u) - below))

    def at(price):
        picks = [int(np.argmin(idle + price * above / total)) for idle, above in options]
        return (sum(o[0][j] for o, j in zip(options, picks)),
                sum(o[1][j] for o, j in zip(options, picks)) / total)
    low, high = 0.0, 1e6
    for _ in range(60):
        middle_price = (low + high) / 2
        low, high = (low, middle_price) if at(middle_price)[1] <= share_goal else (middle_price, high)
    return at(high)


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("traces", nargs="?", default=os.path.join(here, "..", "..", "shared", "traces"))
    parser.add_argument("--walk-forward", action="store_true")
    parser.add_argument("--hindsight", action="store_true", help="also the split's hindsight bound")
    parser.add_argument("--no-margin", action="store_true", help="the CPU request margin off")
    parser.add_argument("--floors", default="50,70,80,85,90")
    parser.add_argument("--half-lives", default="0,24,48,96", help="hours; 0: no decay")
    parser.add_argument("--costs", default="0.75,1,1.25,1.5,2,3,4,6")
    parser.add_argument("--only", help="FLOOR,HALF_LIFE_H,COST[;...]: just these policies")
    args = parser.parse_args()
    grid = [tuple(float(x) for x in p.split(",")) for p in args.only.split(";")] if args.only else \
        list(itertools.product(*([float(x) for x in getattr(args, k).split(",")]
                                 for k in ("floors", "half_lives", "costs"))))
    modes = ("split", "walk-forward") if args.walk_forward else ("split",)
    data = {name: load(args.traces, name) for name in SETS}
    goals = {}
    for name, mode in itertools.product(SETS, modes):
        wf = mode == "walk-forward"
        peers = [replay(data[name], p, wf, min_change=0) for p in (vpa, krr)]  # presets.cpp
        goals[(name, mode)] = (min(s for s, _ in peers), 0.85 * min(i for _, i in peers))
        print(f"{name}, {mode}: vpa {100 * peers[0][0]:.2f}% / {peers[0][1]:.1f}, "
              f"krr {100 * peers[1][0]:.2f}% / {peers[1][1]:.1f}; goal <= "
              f"{100 * goals[(name, mode)][0]:.2f}% and <= {goals[(name, mode)][1]:.1f} cores")
        if args.hindsight and not wf:
            idle, share = hindsight(data[name], goals[(name, mode)][0])
            print(f"  hindsight: {idle:.1f} cores at {100 * share:.2f}%")
    print("\n| floor | half-life | cost | " + " | ".join(f"{n}, {m}" for n, m in goals) + " | goal met |")
    print("|---|---|---|" + "---|" * len(goals) + "---|")
    for floor, half_life, cost in grid:
        cells, met = [], 0
        for (name, mode), (share_goal, idle_goal) in goals.items():
            share, idle = replay(data[name], lambda t, c: cost_based(t, c, int(floor), half_life, cost, not args.no_margin),
                                 mode == "walk-forward")
            ok = share <= share_goal + 1e-12 and idle <= idle_goal
            met += ok
            cells.append(f"{100 * share:.2f}% / {idle:.1f}{' ✓' if ok else ''}")
        print(f"| p{int(floor)} | {f'{half_life:g}h' if half_life else 'off'} | {cost:g} | "
              + " | ".join(cells) + f" | {met}/{len(goals)} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

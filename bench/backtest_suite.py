#!/usr/bin/python3
"""The issue-6 goal, measured: generate a suite of workloads of every family with
tools/gen_trace.py, backtest podfit, vpa and krr on it, and print per policy the memory-
limit breaches (OOM kills) and the idle CPU and memory reserved over the test part.

usage: backtest_suite.py PODFIT [--workloads 208] [--duration 2d] [--interval 120]
                         [--step-at 0.3] [--seed 42] [--check]
--check exits 1 unless podfit has zero breaches and less idle CPU and memory than both
presets. Writes its trace to a temp dir and removes it."""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

FAMILIES = "steady,diurnal,bursty,step,leak,jvm,startup,batch"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("podfit")
    parser.add_argument("--workloads", type=int, default=208)
    parser.add_argument("--duration", default="2d")
    parser.add_argument("--interval", default="120")
    parser.add_argument("--step-at", default="0.3")
    parser.add_argument("--seed", default="42")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "suite.jsonl")
        subprocess.run([sys.executable, os.path.join(here, "..", "tools", "gen_trace.py"),
                        "--families", FAMILIES, "--workloads", str(args.workloads),
                        "--duration", args.duration, "--interval", args.interval,
                        "--step-at", args.step_at, "--seed", args.seed,
                        "--namespace", "suite", "-o", trace], check=True)
        out = subprocess.run([args.podfit, "backtest", "--samples", trace,
                              "--compare", "podfit,vpa,krr", "-o", "json"],
                             check=True, capture_output=True, text=True).stdout
    totals = collections.defaultdict(collections.Counter)
    for container in json.loads(out)["containers"]:
        test = container["test"]
        if test is None:
            continue
        row = totals[container["policy"]]
        row["containers"] += 1
        row["oom_samples"] += test["memory_over_limit"]
        row["oom_containers"] += test["memory_over_limit"] > 0
        row["throttled_samples"] += test["cpu_over_limit"]
        row["idle_cpu_cores"] += test["cpu_idle_cores"]
        row["idle_memory_gib"] += test["memory_idle_bytes"] / 2**30
    print(f"{'policy':8} {'containers':>10} {'OOM containers':>14} {'OOM samples':>11} "
          f"{'throttled':>9} {'idle CPU':>10} {'idle memory':>12}")
    for policy in ("podfit", "vpa", "krr"):
        r = totals[policy]
        print(f"{policy:8} {r['containers']:>10} {r['oom_containers']:>14} {r['oom_samples']:>11} "
              f"{r['throttled_samples']:>9} {r['idle_cpu_cores']:>8.2f} c "
              f"{r['idle_memory_gib']:>8.2f} GiB")
    podfit = totals["podfit"]
    ok = (podfit["containers"] >= args.workloads and podfit["oom_samples"] == 0 and
          all(podfit["idle_cpu_cores"] < totals[p]["idle_cpu_cores"] and
              podfit["idle_memory_gib"] < totals[p]["idle_memory_gib"] for p in ("vpa", "krr")))
    print("goal met" if ok else "goal NOT met")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())

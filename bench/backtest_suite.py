#!/usr/bin/python3
"""The generated suite: workloads of every family of tools/gen_trace.py (the shapes real
traces lack: leaks, JVM, start-up spikes), backtest podfit, vpa and krr on them, and print
per policy the CPU over-request share, the memory-limit breaches (OOM kills), throttling
and the idle CPU and memory reserved over the test part.

usage: backtest_suite.py PODFIT [--workloads 208] [--duration 2d] [--interval 120]
                         [--step-at 0.3] [--seed 42] [--walk-forward 24h] [--check]
--check exits 1 unless podfit has zero breaches, throttles under 0.1 % of test samples,
has less idle memory than both presets, and sits between them on CPU: no larger CPU
over-request share than krr and no more idle CPU than vpa (docs/backtest.md). Writes its trace to a temp dir and removes it."""
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
    parser.add_argument("--walk-forward", help="interval, e.g. 24h (default: a 50/50 split)")
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
        mode = ["--walk-forward", args.walk_forward] if args.walk_forward else []
        out = subprocess.run([args.podfit, "backtest", "--samples", trace,
                              "--compare", "podfit,vpa,krr", "-o", "json", *mode],
                             check=True, capture_output=True, text=True).stdout
    totals = collections.defaultdict(collections.Counter)
    for container in json.loads(out)["containers"]:
        test = container["test"]
        if test is None:
            continue
        row = totals[container["policy"]]
        row["containers"] += 1
        row["samples"] += test["samples"]
        row["cpu_over_request"] += test["cpu_over_request"]
        row["oom_samples"] += test["memory_over_limit"]
        row["oom_containers"] += test["memory_over_limit"] > 0
        row["throttled_samples"] += test["cpu_over_limit"]
        row["idle_cpu_cores"] += test["cpu_idle_cores"]
        row["idle_memory_gib"] += test["memory_idle_bytes"] / 2**30
    share = {p: r["cpu_over_request"] / max(r["samples"], 1) for p, r in totals.items()}
    print(f"{'policy':8} {'containers':>10} {'CPU>REQ':>8} {'OOM containers':>14} "
          f"{'OOM samples':>11} {'throttled':>9} {'idle CPU':>10} {'idle memory':>12}")
    for policy in ("podfit", "vpa", "krr"):
        r = totals[policy]
        print(f"{policy:8} {r['containers']:>10} {100 * share[policy]:>7.2f}% "
              f"{r['oom_containers']:>14} {r['oom_samples']:>11} "
              f"{r['throttled_samples']:>9} {r['idle_cpu_cores']:>8.2f} c "
              f"{r['idle_memory_gib']:>8.2f} GiB")
    podfit = totals["podfit"]
    ok = (podfit["containers"] >= args.workloads and podfit["oom_samples"] == 0 and
          podfit["throttled_samples"] < 0.001 * podfit["samples"] and
          share["podfit"] <= share["krr"] and
          podfit["idle_cpu_cores"] <= totals["vpa"]["idle_cpu_cores"] and
          all(podfit["idle_memory_gib"] < totals[p]["idle_memory_gib"] for p in ("vpa", "krr")))
    print("goal met" if ok else "goal NOT met")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())

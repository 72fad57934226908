#!/usr/bin/python3
"""Real usage shaped as CronJob runs: does per-run sizing hold where the VPA and KRR pool?

    bench/job_runs.py PODFIT TRACE.jsonl [--out RUNS.jsonl]

From each series of a real trace (../shared/traces/make_jsonl.py), each day's busiest hour
(12 five-minute samples by summed CPU) becomes one run of a CronJob: a pod of its own,
named as a CronJob's pods are, with only that hour's samples. The runs' peaks then vary from
day to day as the real load does. It backtests (50/50 split by time) podfit as it is
(job-sizing per-run), podfit with --job-sizing pooled, and the VPA and KRR presets, and
prints the totals as a Markdown table.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def load(path):
    series = {}  # app -> [(time, item container usage)]
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            document = json.loads(line)
            for item in document["items"]:
                app = item["metadata"]["labels"]["app"]
                container = item["containers"][0]
                series.setdefault(app, []).append((item["timestamp"], container["usage"]))
    return series


def cpu_cores(text):
    return int(text[:-1]) / 1e9 if text.endswith("n") else float(text)


def runs_of(points):
    """Each day's busiest hour: [(day start, [(timestamp, usage)])]."""
    by_day = {}
    for stamp, usage in sorted(points):
        by_day.setdefault(stamp[:10], []).append((stamp, usage))
    runs = []
    for day, day_points in sorted(by_day.items()):
        if len(day_points) < 12:
            continue
        sums = [sum(cpu_cores(u["cpu"]) for _, u in day_points[i:i + 12])
                for i in range(len(day_points) - 11)]
        start = max(range(len(sums)), key=lambda i: sums[i])
        runs.append(day_points[start:start + 12])
    return runs


def write_runs(series, out):
    lines = []
    for index, (app, points) in enumerate(sorted(series.items())):
        job = "job%03d" % index
        for run, hour in enumerate(runs_of(points)):
            minutes = int(parse_time(hour[0][0]).timestamp() // 60)
            suffix = "".join(ALPHABET[(index * 7 + run * 3 + k) % len(ALPHABET)] for k in range(5))
            pod = "%s-%d-%s" % (job, minutes, suffix)
            for stamp, usage in hour:
                lines.append((stamp, {"metadata": {"name": pod, "namespace": "batch",
                                                   "labels": {"job-name": "%s-%d" % (job, minutes)}},
                                      "timestamp": stamp, "window": "5m0s",
                                      "containers": [{"name": "run", "usage": usage}]}))
    lines.sort(key=lambda entry: entry[0])
    with open(out, "w", encoding="utf-8") as file:
        for stamp, item in lines:
            file.write(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                   "metadata": {}, "items": [item]}) + "\n")


def backtest(podfit, samples, presets, extra=()):
    command = [podfit, "backtest", "--samples", samples, "--compare", ",".join(presets), "-o",
               "json", *extra]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return {t["policy"]: t for t in json.loads(done.stdout)["totals"] if t["namespace"] is None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("podfit")
    parser.add_argument("trace")
    parser.add_argument("--out")
    args = parser.parse_args()
    out = args.out or os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    write_runs(load(args.trace), out)
    rows = backtest(args.podfit, out, ["podfit", "vpa", "krr"])
    pooled = backtest(args.podfit, out, ["podfit"], ["--job-sizing", "pooled"])["podfit"]
    print("| policy | CPU > request | memory over request | OOM kills (containers) | "
          "idle CPU (cores) | idle memory (GiB) |")
    print("|---|---|---|---|---|---|")
    for name, total in [("podfit (per-run)", rows["podfit"]), ("podfit --job-sizing pooled", pooled),
                        ("vpa", rows["vpa"]), ("krr", rows["krr"])]:
        test = total["test"]
        print("| %s | %.2f%% | %.2f%% | %d (%d) | %.1f | %.1f |" % (
            name, 100 * test["cpu_over_request_share"], 100 * test["memory_over_request_share"],
            test["oom_kills"], total["containers_with_oom"], test["cpu_idle_cores"],
            test["memory_idle_bytes"] / 2**30))


if __name__ == "__main__":
    main()

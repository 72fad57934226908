#!/usr/bin/python3
"""Independent reference for `podfit top --store` (tests/kube/top_history_test.cpp).

  top_reference.py generate OUT.jsonl [--polls N]
      writes PodMetricsList JSON Lines: N (default 360: 3 hours of) 30 s polls for pods in
      two namespaces, one with two containers, one that stops after the first hour.
  top_reference.py expect FILE.jsonl --history SECONDS [--namespace NS] [--containers]
      prints the expected rows as JSON: {"rows": [[ns, pod, container, cpu_latest_m or null,
      cpu_p95_m, cpu_max_m, mem_latest_mi or null, mem_p95_mi, mem_max_mi], ...]} over the
      window (newest - SECONDS, newest], numpy percentiles (--method, default "linear").
"""
import argparse
import datetime
import decimal
import json
import math
import random
import sys

import numpy

SUFFIX = {"n": decimal.Decimal("1e-9"), "u": decimal.Decimal("1e-6"), "m": decimal.Decimal("1e-3"),
          "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "k": 1000, "M": 1000 ** 2}


def quantity(text):
    for suffix in ("Ki", "Mi", "Gi", "n", "u", "m", "k", "M"):
        if text.endswith(suffix):
            return decimal.Decimal(text[: -len(suffix)]) * SUFFIX[suffix]
    return decimal.Decimal(text)


def stamp(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


PODS = [  # namespace, pod, labels, containers, polls (None: all)
    ("shop", "api-7d9f8b6c5d-abcde", {"app": "api"}, ["api", "sidecar"], None),
    ("shop", "web-5fbc96b498-wlm5w", {"app": "web"}, ["nginx"], None),
    ("shop", "batch-28473960-xk2p4", {"app": "batch"}, ["worker"], 120),
    ("tools", "cache-0", {"app": "cache"}, ["redis"], None),
]


def generate(path, polls=360):
    rng = random.Random(7)
    start = 1724407200  # 2024-08-23T10:00:00Z, on an hour
    with open(path, "w") as out:
        for poll in range(polls):  # 30 s apart
            items = []
            for namespace, pod, labels, containers, polls in PODS:
                if polls is not None and poll >= polls:
                    continue
                usage = []
                for index, name in enumerate(containers):
                    cpu = rng.randint(1, 400_000_000) * (index + 1)  # nanocores
                    memory = rng.randint(20_000, 200_000) + 5000 * index  # KiB
                    usage.append({"name": name, "usage": {"cpu": "%dn" % cpu,
                                                          "memory": "%dKi" % memory}})
                items.append({"metadata": {"name": pod, "namespace": namespace, "labels": labels},
                              "timestamp": stamp(start + 30 * poll + 1), "window": "30s",
                              "containers": usage})
            out.write(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                  "metadata": {}, "items": items}) + "\n")


def millicores(cores):
    return int(math.ceil(cores * 1000 - 1e-6))


def mebibytes(memory):
    return int(math.ceil(memory - 1e-6)) // (1024 * 1024)


def expect(args):
    points = {}  # (ns, pod, container) -> {time: (cpu, memory)}
    with open(args.file) as f:
        for line in f:
            for item in json.loads(line)["items"]:
                meta = item["metadata"]
                for c in item["containers"]:
                    key = (meta["namespace"], meta["name"], c["name"])
                    points.setdefault(key, {})[parse_time(item["timestamp"])] = (
                        float(quantity(c["usage"]["cpu"])), float(quantity(c["usage"]["memory"])))
    newest = max(t for series in points.values() for t in series)
    first = newest - args.history
    series = {}  # row key -> {time: [cpu, memory]}
    for (ns, pod, container), by_time in points.items():
        if args.namespace and ns != args.namespace:
            continue
        key = (ns, pod, container if args.containers else "")
        for t, (cpu, memory) in by_time.items():
            if first < t <= newest:
                total = series.setdefault(key, {}).setdefault(t, [0.0, 0.0])
                total[0] += cpu
                total[1] += memory
    rows = []
    for key in sorted(series):
        by_time = series[key]
        cpu = numpy.array([by_time[t][0] for t in sorted(by_time)])
        memory = numpy.array([by_time[t][1] for t in sorted(by_time)])
        rows.append(list(key) + [millicores(cpu[-1]), millicores(numpy.percentile(cpu, 95, method=args.method)),
                                 millicores(cpu.max()), mebibytes(memory[-1]),
                                 mebibytes(numpy.percentile(memory, 95, method=args.method)),
                                 mebibytes(memory.max())])
    json.dump({"rows": rows, "newest": newest}, sys.stdout)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("out")
    gen.add_argument("--polls", type=int, default=360)
    exp = sub.add_parser("expect")
    exp.add_argument("file")
    exp.add_argument("--history", type=int, required=True)
    exp.add_argument("--namespace")
    exp.add_argument("--containers", action="store_true")
    exp.add_argument("--method", default="linear", help="numpy percentile method")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.out, args.polls)
    else:
        expect(args)


if __name__ == "__main__":
    main()

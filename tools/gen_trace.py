#!/usr/bin/python3
"""Synthetic metrics recordings for podfit: JSON Lines of PodMetricsList.

Each line is what `kubectl get --raw /apis/metrics.k8s.io/v1beta1/pods` returns
at one poll. Output is deterministic: the same arguments give the same bytes.

Usage patterns ("families") shape a workload's first container; further
containers are small steady sidecars:

  steady   flat CPU and memory with noise
  diurnal  a daily sine (period --period, default 24h)
  bursty   low baseline with short random bursts
  step     load changes level at --step-at (fraction of the trace)
  leak     memory grows linearly until the pod restarts
  jvm      memory climbs to a plateau (heap sizing) after each start
  startup  a CPU spike in the first minute of each pod, then steady
  batch    periodic jobs: busy for a few minutes every --batch-period

Examples:
  gen_trace.py --scenario sample-app > fixtures/sample-app/samples.jsonl
  gen_trace.py --families steady,bursty --workloads 4 --pods-per-workload 2 \\
      --containers 2 --duration 6h --restarts 1 --seed 7 -o /tmp/trace.jsonl
"""

import argparse
import datetime
import json
import sys

import numpy as np

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' generated-name alphabet
FAMILIES = ("steady", "diurnal", "bursty", "step", "leak", "jvm", "startup", "batch")
MI = 1024 * 1024
MILLI = 1e-3


def random_token(rng, length):
    return "".join(ALPHABET[i] for i in rng.integers(0, len(ALPHABET), size=length))


def parse_duration(text):
    """Seconds of "90", "90s", "15m", "2h" or "1d"."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def parse_start(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_time(start, seconds):
    moment = start + datetime.timedelta(seconds=int(seconds))
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def noise(rng, n, relative):
    """Multiplicative noise around 1, never negative."""
    return np.clip(1.0 + relative * rng.standard_normal(n), 0.05, None)


def bursts(rng, n, rate, height, max_length=3):
    """Additive bursts: arrivals with probability `rate` per sample, 1..max_length samples long."""
    extra = np.zeros(n)
    for start in np.nonzero(rng.random(n) < rate)[0]:
        length = int(rng.integers(1, max_length + 1))
        extra[start:start + length] += height * rng.uniform(0.5, 1.0)
    return extra


def family_usage(family, rng, t, age, args):
    """CPU cores and memory bytes of one container over time.

    t: seconds since the trace start; age: seconds since the pod started."""
    n = len(t)
    cpu_base = rng.uniform(0.05, 0.4)
    mem_base = rng.uniform(64, 512) * MI
    if family == "steady":
        cpu = cpu_base * noise(rng, n, 0.08)
        mem = mem_base * noise(rng, n, 0.01)
    elif family == "diurnal":
        phase = 0.5 - 0.5 * np.cos(2 * np.pi * t / args.period)
        cpu = cpu_base * (0.3 + 1.7 * phase) * noise(rng, n, 0.1)
        mem = mem_base * (0.8 + 0.4 * phase) * noise(rng, n, 0.01)
    elif family == "bursty":
        cpu = cpu_base * 0.3 * noise(rng, n, 0.15) + bursts(rng, n, 0.02, cpu_base * 4)
        mem = mem_base * noise(rng, n, 0.02) + bursts(rng, n, 0.02, mem_base * 0.3)
    elif family == "step":
        level = np.where(t >= args.step_at * args.trace_seconds, 2.5, 1.0)
        cpu = cpu_base * level * noise(rng, n, 0.08)
        mem = mem_base * (0.7 + 0.3 * level) * noise(rng, n, 0.01)
    elif family == "leak":
        cpu = cpu_base * noise(rng, n, 0.08)
        mem = (mem_base + age * rng.uniform(2, 8) * 1024) * noise(rng, n, 0.005)
    elif family == "jvm":
        cpu = cpu_base * noise(rng, n, 0.1)
        mem = mem_base * (0.4 + 0.6 * (1 - np.exp(-age / 900.0))) * noise(rng, n, 0.005)
    elif family == "startup":
        spike = np.where(age < 60, 6.0, 1.0)
        cpu = cpu_base * spike * noise(rng, n, 0.08)
        mem = mem_base * np.minimum(1.0, 0.6 + age / 150.0) * noise(rng, n, 0.01)
    elif family == "batch":
        busy = (t % args.batch_period) < args.batch_period * 0.2
        cpu = np.where(busy, cpu_base * 5, cpu_base * 0.1) * noise(rng, n, 0.1)
        mem = np.where(busy, mem_base * 1.8, mem_base) * noise(rng, n, 0.01)
    else:
        raise ValueError(f"unknown family {family!r}")
    return cpu, mem


class Pod:
    """One pod's identity, its poll indices and its containers' usage arrays."""

    def __init__(self, namespace, name, labels, steps, lag, window):
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.steps = steps  # sorted poll indices at which the pod is reported
        self.lag = lag  # seconds between the scrape and the poll
        self.window = window
        self.containers = []  # (name, cpu cores array, memory bytes array), aligned with steps

    def item(self, start, index, poll_seconds):
        """The PodMetrics JSON of this pod at its `index`-th reported poll."""
        stamp = format_time(start, poll_seconds - self.lag)
        containers = ",".join(
            '{"name":"%s","usage":{"cpu":"%dn","memory":"%dKi"}}'
            % (name, int(round(cpu[index] * 1e9)), int(round(mem[index] / 1024)))
            for name, cpu, mem in self.containers)
        metadata = json.dumps({"name": self.name, "namespace": self.namespace,
                               "creationTimestamp": stamp, "labels": self.labels},
                              separators=(",", ":"))
        return ('{"metadata":%s,"timestamp":"%s","window":"%s","containers":[%s]}'
                % (metadata, stamp, self.window, containers))


def window_text(rng):
    return "%.3fs" % (15 + rng.integers(0, 60) / 1000)


def generic_pods(args, rng, poll_times):
    families = args.families.split(",")
    for family in families:
        if family not in FAMILIES:
            sys.exit(f"gen_trace.py: unknown family {family!r}; known: {', '.join(FAMILIES)}")
    n_polls = len(poll_times)
    pods = []
    for w in range(args.workloads):
        family = families[w % len(families)]
        workload = f"{args.name_prefix}-{family}-{w:03d}"
        pod_hash = random_token(rng, 10)
        for _ in range(args.pods_per_workload):
            # A restart replaces the pod: a new name from the same ReplicaSet, fresh state.
            cuts = sorted(int(c) for c in rng.integers(1, max(n_polls, 2), size=args.restarts))
            bounds = [0] + cuts + [n_polls]
            for begin, end in zip(bounds, bounds[1:]):
                if begin >= end:
                    continue
                steps = np.arange(begin, end)
                labels = {"app": workload, "pod-template-hash": pod_hash}
                pod = Pod(args.namespace, f"{workload}-{pod_hash}-{random_token(rng, 5)}", labels,
                          steps, int(rng.integers(0, 10)), window_text(rng))
                t = poll_times[steps]
                age = t - t[0]
                for c in range(args.containers):
                    if c == 0:
                        cpu, mem = family_usage(family, rng, t, age, args)
                        pod.containers.append(("app", cpu, mem))
                    else:
                        cpu, mem = family_usage("steady", rng, t, age, args)
                        pod.containers.append((f"sidecar-{c}", cpu * 0.1, mem * 0.2))
                pods.append(pod)
    return pods


def sample_app_pods(rng, poll_times):
    """The seed's sample app under a 2-hour load test (see fixtures/sample-app/README.md)."""
    n = len(poll_times)
    minutes = poll_times / 60.0
    # Load 0 for the first 10 minutes, then a day-like swell peaking at ~65 minutes.
    load = np.where(minutes < 10, 0.0, np.sin(np.pi * np.clip(minutes - 10, 0, 110) / 110) ** 2)
    # Memory follows load with a lag and keeps part of what the heap grew to.
    heap = np.zeros(n)
    for i in range(1, n):
        heap[i] = heap[i - 1] + (max(load[i], 0.35 * heap[i - 1]) - heap[i - 1]) * 0.05

    second_from = int(np.searchsorted(minutes, 50))  # HPA adds a replica at minute 50
    api_labels = {"app": "sample-app-node-api", "app.kubernetes.io/name": "sample-app-node-api",
                  "pod-template-hash": "66d8f9d56"}
    api_names = ["sample-app-node-api-deployment-66d8f9d56-9tz5f",
                 "sample-app-node-api-deployment-66d8f9d56-" + random_token(rng, 5)]
    pods = []
    for replica, (name, first) in enumerate(zip(api_names, (0, second_from))):
        steps = np.arange(first, n)
        replicas = np.where(steps >= second_from, 2, 1)
        share = load[steps] / replicas
        age = poll_times[steps] - poll_times[first]
        startup = np.where((age < 45) & (first > 0), 0.02, 0.0)  # the new replica starts up
        cpu = ((0.001 + 0.045 * share) * noise(rng, len(steps), 0.12) + startup
               + bursts(rng, len(steps), 0.01 + 0.05 * share, 0.05))
        mem = ((14 + 46 * heap[steps] / replicas ** 0.3) * MI * noise(rng, len(steps), 0.01)
               + bursts(rng, len(steps), 0.01 * share, 6 * MI, 2))
        pod = Pod("sample", name, api_labels, steps, 1 + replica, window_text(rng))
        pod.containers.append(("sample-app-node-api", cpu, mem))
        pods.append(pod)

    # nginx: nearly idle; one poll (index 300, the 301st) misses it, as a failed scrape does.
    steps = np.delete(np.arange(n), 300)
    cpu = np.clip((0.0002 + 0.0014 * load[steps]) * noise(rng, len(steps), 0.3), 0, 0.002)
    mem = (2.0 + 0.9 * load[steps]) * MI * noise(rng, len(steps), 0.01)
    nginx_labels = {"app": "sample-app-nginx-web", "app.kubernetes.io/name": "sample-app-nginx-web",
                    "pod-template-hash": "5fbc96b498"}
    pod = Pod("sample", "sample-app-nginx-web-deployment-5fbc96b498-wlm5w", nginx_labels, steps, 4,
              window_text(rng))
    pod.containers.append(("sample-app-nginx-web", cpu, np.clip(mem, 2 * MI, 3 * MI)))
    pods.append(pod)
    return pods


def write_trace(out, pods, start, poll_times, repeat_polls):
    # Per poll, the reported pods and their index into their own arrays.
    reported = [[] for _ in poll_times]
    for pod in pods:
        for index, step in enumerate(pod.steps):
            reported[step].append((pod, index))
    for step, poll_seconds in enumerate(poll_times):
        items = ",".join(pod.item(start, index, poll_seconds) for pod, index in reported[step])
        line = ('{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},'
                '"items":[%s]}\n' % items)
        out.write(line)
        if step in repeat_polls:  # polled twice before metrics-server scraped again
            out.write(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["sample-app"],
                        help="a preset (ignores the shape options)")
    parser.add_argument("--families", default="steady", help="comma list, one per workload in turn")
    parser.add_argument("--workloads", type=int, default=1)
    parser.add_argument("--pods-per-workload", type=int, default=1)
    parser.add_argument("--containers", type=int, default=1, help="containers per pod")
    parser.add_argument("--restarts", type=int, default=0,
                        help="replacements per pod (new pod names)")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--name-prefix", default="trace")
    parser.add_argument("--duration", default="2h", help="e.g. 7200, 90m, 2h, 1d")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between polls")
    parser.add_argument("--start", default="2024-08-23T10:00:00Z")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--period", type=float, default=86400.0, help="diurnal period, seconds")
    parser.add_argument("--step-at", type=float, default=0.5, help="step: fraction of the trace")
    parser.add_argument("--batch-period", type=float, default=3600.0, help="batch: seconds")
    parser.add_argument("--repeat-poll", type=int, action="append", default=[],
                        help="write poll N twice (a repeated poll); may be given again")
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()

    if args.scenario == "sample-app":  # the preset fixes its own shape
        args.duration, args.interval = "2h", 15.0
    rng = np.random.default_rng(args.seed)
    start = parse_start(args.start)
    args.trace_seconds = parse_duration(args.duration)
    polls = int(args.trace_seconds // args.interval)
    poll_times = np.arange(polls) * args.interval
    if args.scenario == "sample-app":
        pods = sample_app_pods(rng, poll_times)
        repeat_polls = {200}
    else:
        pods = generic_pods(args, rng, poll_times)
        repeat_polls = set(args.repeat_poll)

    if args.output == "-":
        out = sys.stdout
    else:
        out = open(args.output, "w", encoding="utf-8", newline="\n")
    with out:
        write_trace(out, pods, start, poll_times, repeat_polls)


if __name__ == "__main__":
    main()

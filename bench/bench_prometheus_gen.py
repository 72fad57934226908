#!/usr/bin/python3
"""OpenMetrics for bench_prometheus.sh: CONTAINERS containers (2 per pod, 20 pods per
namespace) over DAYS days, scraped every SCRAPE seconds: the cAdvisor CPU counter and
working-set gauge. Usage: bench_prometheus_gen.py CONTAINERS DAYS SCRAPE END_EPOCH > file"""

import sys

import numpy as np


def main():
    containers, days, scrape, end = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    times = np.arange(end - int(days * 86400), end + 1, scrape)
    rng = np.random.default_rng(1)
    out = sys.stdout
    names = []
    for c in range(containers):
        pod = c // 2
        names.append('namespace="ns-%03d",pod="web-%03d-7d9f8b6c5d-x%04d",container="c%d"'
                     % (pod // 20, pod // 20, pod, c % 2))
    stamps = [str(t) for t in times]
    out.write("# TYPE container_cpu_usage_seconds counter\n")
    for labels in names:
        usage = rng.uniform(0.05, 0.5) * np.clip(1 + 0.2 * rng.standard_normal(len(times)), 0.05, None)
        counter = 1000 + np.cumsum(usage * scrape)
        head = "container_cpu_usage_seconds_total{" + labels + "} "
        out.write("".join(head + "%.6f " % v + s + "\n" for v, s in zip(counter, stamps)))
    out.write("# TYPE container_memory_working_set_bytes gauge\n")
    for labels in names:
        memory = rng.uniform(64, 512) * 2**20 * np.clip(1 + 0.02 * rng.standard_normal(len(times)), 0.5, None)
        head = "container_memory_working_set_bytes{" + labels + "} "
        out.write("".join(head + "%d " % v + s + "\n" for v, s in zip(memory, stamps)))
    out.write("# EOF\n")


if __name__ == "__main__":
    main()

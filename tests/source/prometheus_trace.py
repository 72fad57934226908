#!/usr/bin/python3
"""Turns a metrics-server recording (tools/gen_trace.py output) into the same
trace as Prometheus would hold it, for `promtool tsdb create-blocks-from openmetrics`.

Writes two files from one input:
  --jsonl OUT   the recording with each timestamp moved down to the poll grid
                (a multiple of --interval after the first poll), so that both
                sources sample the same instants;
  --openmetrics OUT  cAdvisor series: container_cpu_usage_seconds_total, a
                counter scraped every --scrape seconds that grows at the recorded
                usage during the --interval before each timestamp (so rate() over
                that interval equals the usage), and container_memory_working_set_bytes,
                a gauge at each timestamp. Optionally kube-state-metrics series.

Fault options make the faults the tests need: --drop-cpu POD leaves a pod's CPU
out; --gap POD:FROM:TO drops polls FROM..TO (indices) of a pod. With
--kube-state-metrics, --oom PREFIX:CONTAINER:LIMIT gives that container of every
pod named PREFIX... a memory limit of LIMIT bytes, one restart and OOMKilled as
its last terminated reason; --restart PREFIX:CONTAINER one restart (reason Error).
"""

import argparse
import datetime
import json

START_COUNTER = 1000.0  # far from zero, so rate() never extrapolates to a counter start


def parse_time(text):
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.timestamp()


def format_time(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def quantity(text):
    units = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(text[:-len(suffix)]) * factor
    return float(text)


def label_text(labels):
    return ",".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"'))
                    for k, v in labels.items())


def sanitize(key):
    return "label_" + "".join(c if c.isalnum() or c == "_" else "_" for c in key)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("--jsonl", required=True)
    parser.add_argument("--openmetrics", required=True)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--scrape", type=int, default=15)
    parser.add_argument("--label", action="append", default=[], help="NAME=VALUE on every series")
    parser.add_argument("--kube-state-metrics", action="store_true")
    parser.add_argument("--drop-cpu", action="append", default=[])
    parser.add_argument("--gap", action="append", default=[], help="POD:FROM:TO poll indices")
    parser.add_argument("--oom", action="append", default=[], help="PREFIX:CONTAINER:LIMIT")
    parser.add_argument("--restart", action="append", default=[], help="PREFIX:CONTAINER")
    args = parser.parse_args()

    extra = dict(item.split("=", 1) for item in args.label)
    gaps = {}
    for item in args.gap:
        pod, first, last = item.rsplit(":", 2)
        gaps[pod] = (int(first), int(last))

    lines = [json.loads(line) for line in open(args.input, encoding="utf-8") if line.strip()]
    first_poll = min(parse_time(item["timestamp"]) for line in lines for item in line["items"])
    first_poll -= first_poll % args.interval
    # (namespace, pod, container) -> [(time, cores, bytes)], and pod -> labels
    series, pod_labels, poll_of = {}, {}, {}
    out = open(args.jsonl, "w", encoding="utf-8")
    for line in lines:
        kept = []
        for item in line["items"]:
            stamp = parse_time(item["timestamp"])
            stamp -= (stamp - first_poll) % args.interval
            meta = item["metadata"]
            poll = int((stamp - first_poll) // args.interval)
            gap = gaps.get(meta["name"])
            if gap and gap[0] <= poll <= gap[1]:
                continue
            item["timestamp"] = format_time(stamp)
            kept.append(item)
            pod_labels[(meta["namespace"], meta["name"])] = meta.get("labels", {})
            for container in item["containers"]:
                key = (meta["namespace"], meta["name"], container["name"])
                points = series.setdefault(key, [])
                if not points or points[-1][0] != stamp:  # a repeated poll counts once
                    points.append((stamp, quantity(container["usage"]["cpu"]),
                                   quantity(container["usage"]["memory"])))
        line["items"] = kept
        out.write(json.dumps(line, separators=(",", ":")) + "\n")
    out.close()

    with open(args.openmetrics, "w", encoding="utf-8") as om:
        om.write("# TYPE container_cpu_usage_seconds counter\n")
        for (ns, pod, container), points in sorted(series.items()):
            if pod in args.drop_cpu:
                continue
            labels = label_text({**extra, "namespace": ns, "pod": pod, "container": container,
                                 "id": "/kubepods/" + pod + "/" + container})
            counter, last = START_COUNTER, None
            for stamp, cores, _ in points:
                if last is None or stamp - last > args.interval:  # a fresh start or after a gap
                    om.write("container_cpu_usage_seconds_total{%s} %r %d\n"
                             % (labels, counter, stamp - args.interval))
                for k in range(args.scrape, args.interval + 1, args.scrape):
                    counter += cores * args.scrape
                    om.write("container_cpu_usage_seconds_total{%s} %r %d\n"
                             % (labels, counter, stamp - args.interval + k))
                last = stamp
        om.write("# TYPE container_memory_working_set_bytes gauge\n")
        for (ns, pod, container), points in sorted(series.items()):
            labels = label_text({**extra, "namespace": ns, "pod": pod, "container": container,
                                 "id": "/kubepods/" + pod + "/" + container})
            for stamp, _, memory in points:
                om.write("container_memory_working_set_bytes{%s} %d %d\n"
                         % (labels, memory, stamp))
        if args.kube_state_metrics:
            write_kube_state_metrics(om, series, pod_labels, extra)
            write_terminations(om, series, extra, args.oom, args.restart)
        om.write("# EOF\n")


def write_kube_state_metrics(om, series, pod_labels, extra):
    """kube_pod_labels and kube_pod_owner once per pod at its first and last poll."""
    span = {}
    for (ns, pod, _), points in series.items():
        first, last = span.get((ns, pod), (points[0][0], points[-1][0]))
        span[(ns, pod)] = (min(first, points[0][0]), max(last, points[-1][0]))
    om.write("# TYPE kube_pod_labels gauge\n")
    for (ns, pod), (first, last) in sorted(span.items()):
        labels = {**extra, "namespace": ns, "pod": pod}
        labels.update({sanitize(k): v for k, v in sorted(pod_labels[(ns, pod)].items())})
        for stamp in (first, last):
            om.write("kube_pod_labels{%s} 1 %d\n" % (label_text(labels), stamp))
    om.write("# TYPE kube_pod_owner gauge\n")
    for (ns, pod), (first, last) in sorted(span.items()):
        replica_set = pod.rsplit("-", 1)[0]
        labels = {**extra, "namespace": ns, "pod": pod, "owner_kind": "ReplicaSet",
                  "owner_name": replica_set, "owner_is_controller": "true"}
        for stamp in (first, last):
            om.write("kube_pod_owner{%s} 1 %d\n" % (label_text(labels), stamp))


def write_terminations(om, series, extra, ooms, restarts):
    """kube-state-metrics restarts, last terminated reasons and memory limits."""
    def matching(spec):
        prefix, container = spec.split(":")[:2]
        return [(key, points) for key, points in sorted(series.items())
                if key[1].startswith(prefix) and key[2] == container]

    killed = [(key, points, float(spec.split(":")[2])) for spec in ooms
              for key, points in matching(spec)]
    errored = [(key, points) for spec in restarts for key, points in matching(spec)]
    families = [("kube_pod_container_status_restarts_total", "counter",
                 [(key, points, {}, 1) for key, points, _ in killed] +
                 [(key, points, {}, 1) for key, points in errored]),
                ("kube_pod_container_status_last_terminated_reason", "gauge",
                 [(key, points, {"reason": "OOMKilled"}, 1) for key, points, _ in killed] +
                 [(key, points, {"reason": "Error"}, 1) for key, points in errored]),
                ("kube_pod_container_resource_limits", "gauge",
                 [(key, points, {"resource": "memory", "unit": "byte"}, limit)
                  for key, points, limit in killed])]
    for name, kind, rows in families:
        family = name[:-len("_total")] if kind == "counter" else name
        om.write("# TYPE %s %s\n" % (family, kind))
        for (ns, pod, container), points, more, value in rows:
            labels = {**extra, "namespace": ns, "pod": pod, "container": container, **more}
            for stamp in (points[0][0], points[-1][0]):
                om.write("%s{%s} %r %d\n" % (name, label_text(labels), value, stamp))


if __name__ == "__main__":
    main()

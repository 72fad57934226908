#!/usr/bin/python3
"""Backtests podfit, the VPA and KRR presets on the real traces of ../shared/traces.

    bench/real_traces.py PODFIT TRACES_DIR [--sets planetlab,...] [--curve] [--svg FILE]

TRACES_DIR holds <set>.jsonl from ../shared/traces/make_jsonl.py. For each set and mode
(50/50 split, walk-forward 24h over a 14d window) it prints the podfit/VPA/KRR totals as a
Markdown table; --curve adds podfit at other exceedance costs (the trade-off curve) and
--svg writes that curve as a chart (idle CPU against CPU over-request share).
"""
import argparse
import json
import subprocess
import sys

MODES = {"split": [], "walk-forward": ["--walk-forward", "24h", "--window", "14d"]}


def backtest(podfit, samples, mode, presets, extra=()):
    command = [podfit, "backtest", "--samples", samples, "--compare", ",".join(presets), "-o", "json",
               *MODES[mode], *extra]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    document = json.loads(done.stdout)
    totals = [t for t in document["totals"] if t["namespace"] is None]
    per_container = {}
    for c in document["containers"]:
        test = c["test"] or {}
        per_container.setdefault(c["policy"], {})[c["workload"]] = test.get("memory_over_limit", 0)
    return {t["policy"]: dict(t, crossing=per_container.get(t["policy"], {})) for t in totals}


def row(name, total):
    test = total["test"]
    samples = test["samples"]
    return {
        "policy": name,
        "samples": samples,
        "cpu_over": test["cpu_over_request"] / samples,
        "throttled": test["cpu_over_limit"] / samples,
        "oom_containers": total["containers_with_oom"],
        "oom_samples": test["memory_over_limit"],
        "oom_free_days": f"{test['oom_free_days']}/{test['days']}",
        "cpu_slack": test["cpu_request_relative_slack"],
        "mem_slack": test["memory_request_relative_slack"],
        "idle_cpu": test["cpu_idle_cores"],
        "idle_mem_gib": test["memory_idle_bytes"] / 2**30,
        "changes": total["changes"],
    }


def markdown(rows):
    lines = ["| policy | CPU > request | throttled | memory-limit crossings (containers / samples) "
             "| OOM-free days | relative slack CPU / mem request | idle CPU (cores) | idle memory (GiB) "
             "| changes |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        slack = "/".join("-" if s is None else f"{100 * s:.0f}%" for s in (r["cpu_slack"], r["mem_slack"]))
        lines.append(f"| {r['policy']} | {100 * r['cpu_over']:.2f}% | {100 * r['throttled']:.3f}% "
                     f"| {r['oom_containers']} / {r['oom_samples']} | {r['oom_free_days']} | {slack} "
                     f"| {r['idle_cpu']:.1f} | {r['idle_mem_gib']:.1f} | {r['changes']} |")
    return "\n".join(lines)


def svg(curves, path):
    """curves: {(set, mode): {"podfit": [(over, idle, label)], "vpa": (over, idle), "krr": ...}}"""
    width, height, pad = 340, 240, 40
    panels = list(curves.items())
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 3}" '
           f'height="{height * ((len(panels) + 2) // 3)}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>']
    for index, ((name, mode), data) in enumerate(panels):
        x0, y0 = (index % 3) * width, (index // 3) * height
        points = [(o, i) for o, i, _ in data["podfit"]] + [data["vpa"][:2], data["krr"][:2]]
        max_over = max(o for o, _ in points) * 1.1
        max_idle = max(i for _, i in points) * 1.1

        def xy(over, idle):
            return (x0 + pad + over / max_over * (width - 2 * pad),
                    y0 + height - pad - idle / max_idle * (height - 2 * pad))
        out.append(f'<text x="{x0 + pad}" y="{y0 + 16}" font-weight="bold">{name}, {mode}</text>')
        out.append(f'<line x1="{x0 + pad}" y1="{y0 + height - pad}" x2="{x0 + width - pad}" '
                   f'y2="{y0 + height - pad}" stroke="black"/>')
        out.append(f'<line x1="{x0 + pad}" y1="{y0 + pad}" x2="{x0 + pad}" y2="{y0 + height - pad}" '
                   'stroke="black"/>')
        out.append(f'<text x="{x0 + width / 2}" y="{y0 + height - 8}" text-anchor="middle">'
                   f'CPU over request (0 to {100 * max_over:.1f}%)</text>')
        out.append(f'<text x="{x0 + 12}" y="{y0 + height / 2}" transform="rotate(-90 {x0 + 12} '
                   f'{y0 + height / 2})" text-anchor="middle">idle CPU (0 to {max_idle:.0f} cores)</text>')
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(o, i) for o, i, _ in data["podfit"]))
        out.append(f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
        for over, idle, label in data["podfit"]:
            x, y = xy(over, idle)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f77b4"/>'
                       f'<text x="{x + 4:.1f}" y="{y - 4:.1f}" fill="#1f77b4">{label}</text>')
        for preset, colour in (("vpa", "#d62728"), ("krr", "#2ca02c")):
            x, y = xy(*data[preset][:2])
            out.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
                       f'<text x="{x + 6:.1f}" y="{y + 12:.1f}" fill="{colour}">{preset}</text>')
    out.append("</svg>")
    with open(path, "w") as file:
        file.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("podfit")
    parser.add_argument("traces")
    parser.add_argument("--sets", default="planetlab,bitbrains-aug,bitbrains-sep")
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--costs", default="0,0.5,1,1.5,2,3,4")
    parser.add_argument("--svg")
    args = parser.parse_args()
    curves = {}
    for name in args.sets.split(","):
        samples = f"{args.traces}/{name}.jsonl"
        for mode in MODES:
            totals = backtest(args.podfit, samples, mode, ["podfit", "vpa", "krr"])
            rows = [row(p, totals[p]) for p in ("podfit", "vpa", "krr")]
            print(f"\n### {name}, {mode}\n")
            print(f"`podfit backtest --samples {name}.jsonl --compare podfit,vpa,krr "
                  f"{' '.join(MODES[mode])}`".replace(" `", "`") + "\n")
            print(markdown(rows))
            if not args.curve:
                continue
            curve = []
            for cost in args.costs.split(","):
                extra = ["--cpu-request-exceedance-cost", cost]
                point = row(f"podfit, cost {cost}", backtest(args.podfit, samples, mode, ["podfit"],
                                                             extra)["podfit"])
                curve.append(point)
            print("\nTrade-off (podfit at other `cpu-request-exceedance-cost` values):\n")
            print(markdown(curve))
            curves[(name, mode)] = {
                "podfit": [(p["cpu_over"], p["idle_cpu"], p["policy"].split()[-1]) for p in curve],
                "vpa": (rows[1]["cpu_over"], rows[1]["idle_cpu"]),
                "krr": (rows[2]["cpu_over"], rows[2]["idle_cpu"]),
            }
            sys.stdout.flush()
    if args.svg and curves:
        svg(curves, args.svg)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Rounds every usage of a PodMetricsList JSON Lines file up to a step: CPU to 25m, memory
to 4Mi, as quantized real usage looks (a VM's CPU in clock steps, memory in pages).

usage: quantize_trace.py IN OUT"""
import json
import math
import sys

CPU_STEP_NANOS = 25_000_000
MEMORY_STEP_KI = 4096


def nanocores(text):
    units = {"n": 1, "u": 1_000, "m": 1_000_000}
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text) * 1e9


def kibibytes(text):
    units = {"Ki": 1, "Mi": 1024, "Gi": 1024 ** 2}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * factor
    return float(text) / 1024


def main():
    source, target = sys.argv[1:3]
    with open(source) as lines, open(target, "w") as out:
        for line in lines:
            document = json.loads(line)
            for item in document.get("items", []):
                for container in item["containers"]:
                    usage = container["usage"]
                    cpu = math.ceil(nanocores(usage["cpu"]) / CPU_STEP_NANOS) * CPU_STEP_NANOS
                    memory = math.ceil(kibibytes(usage["memory"]) / MEMORY_STEP_KI) * MEMORY_STEP_KI
                    usage["cpu"] = f"{cpu}n"
                    usage["memory"] = f"{memory}Ki"
            out.write(json.dumps(document) + "\n")


if __name__ == "__main__":
    main()

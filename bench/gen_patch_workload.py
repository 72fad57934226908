#!/usr/bin/python3
"""Writes the input of the patch benchmark: N manifest files holding 2 Deployments each
(a multi-document stream), and a recorded-samples JSONL with one pod per Deployment,
40 samples at 15 s, so that every workload gets a recommendation.

usage: gen_patch_workload.py OUT_DIR [FILES]"""
import json
import os
import random
import sys

MANIFEST = """# team {team}: service {name}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: bench
  labels:
    app: {name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: app
          image: registry.example/{name}:1.0
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
"""


def main():
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = random.Random(42)
    os.makedirs(os.path.join(out, "manifests"), exist_ok=True)
    names = []
    for f in range(files):
        docs = []
        for w in range(2):
            name = f"svc-{f:04d}-{w}"
            names.append(name)
            docs.append(MANIFEST.format(team=f % 17, name=name))
        with open(os.path.join(out, "manifests", f"{f:04d}.yaml"), "w") as fh:
            fh.write("---\n".join(docs))
    with open(os.path.join(out, "samples.jsonl"), "w") as fh:
        for tick in range(40):
            items = []
            for name in names:
                items.append({
                    "metadata": {"name": f"{name}-7d4b9c8f6d-x2x4z", "namespace": "bench",
                                 "labels": {"app": name}},
                    "timestamp": f"2026-11-01T10:{tick // 4:02d}:{(tick % 4) * 15:02d}Z",
                    "window": "15s",
                    "containers": [{"name": "app", "usage": {
                        "cpu": f"{rng.randint(5_000_000, 60_000_000)}n",
                        "memory": f"{rng.randint(40_000, 90_000)}Ki"}}]})
            fh.write(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                 "metadata": {}, "items": items}) + "\n")


if __name__ == "__main__":
    main()

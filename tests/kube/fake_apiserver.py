#!/usr/bin/python3
"""A fake Kubernetes API server for podfit's tests (standard library only).

Serves over HTTPS on 127.0.0.1: discovery, PodMetrics, Pods, ReplicaSets,
Deployments, StatefulSets, DaemonSets, Jobs and CronJobs from a scenario file
(see fixtures/kube/README.md), with metrics that move from tick to tick. Checks
bearer tokens, basic auth and client certificates, and injects faults.
ConfigMaps live in memory: GET returns them, PATCH (JSON merge patch only) updates
an existing one; there is no create, as podfit's Role grants none.

Usage: fake_apiserver.py --scenario FILE --cert PEM --key PEM --client-ca PEM
                         --port-file FILE [--log FILE]
"""

import argparse
import base64
import datetime
import gzip
import http.server
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

KINDS = {
    # resource path segment -> (group/version prefix, kind, scenario key)
    "pods": ("/api/v1", "Pod", "pods"),
    "replicasets": ("/apis/apps/v1", "ReplicaSet", "replicasets"),
    "deployments": ("/apis/apps/v1", "Deployment", "deployments"),
    "statefulsets": ("/apis/apps/v1", "StatefulSet", "statefulsets"),
    "daemonsets": ("/apis/apps/v1", "DaemonSet", "daemonsets"),
    "jobs": ("/apis/batch/v1", "Job", "jobs"),
    "cronjobs": ("/apis/batch/v1", "CronJob", "cronjobs"),
    "horizontalpodautoscalers": ("/apis/autoscaling/v2", "HorizontalPodAutoscaler",
                                 "horizontalpodautoscalers"),
}


def rfc3339(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_selector(text):
    """Label selector text -> list of predicates over a labels dict."""
    requirements = []
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    for part in (p.strip() for p in parts):
        if " notin " in part or " in " in part:
            negate = " notin " in part
            key, values = part.split(" notin " if negate else " in ", 1)
            values = {v.strip() for v in values.strip().strip("()").split(",")}
            key = key.strip()
            if negate:
                requirements.append(lambda l, k=key, v=values: l.get(k) not in v)
            else:
                requirements.append(lambda l, k=key, v=values: l.get(k) in v)
        elif "!=" in part:
            key, value = part.split("!=", 1)
            requirements.append(lambda l, k=key.strip(), v=value.strip(): l.get(k) != v)
        elif "==" in part or "=" in part:
            key, value = part.split("==" if "==" in part else "=", 1)
            requirements.append(lambda l, k=key.strip(), v=value.strip(): l.get(k) == v)
        elif part.startswith("!"):
            requirements.append(lambda l, k=part[1:].strip(): k not in l)
        else:
            requirements.append(lambda l, k=part: k in l)
    return lambda labels: all(r(labels) for r in requirements)


def generate_pods(spec):
    """Many pods for the benchmark: {"pods": N, "namespaces": M, "containers": C}."""
    pods = []
    for index in range(spec["pods"]):
        namespace = "ns-%02d" % (index % spec.get("namespaces", 1))
        containers = []
        for c in range(spec.get("containers", 1)):
            containers.append({
                "name": "c%d" % c,
                "usage": {"cpu": ["%dn" % (1000003 * (index % 997) + 17 * c + 1)],
                          "memory": ["%dKi" % (10240 + 37 * (index % 4099) + c)]},
            })
        pods.append({"namespace": namespace, "name": "app-%05d-7d9f8b6c5d-x%04d" % (index, index),
                     "labels": {"app": "app-%d" % (index % 50)}, "containers": containers})
    return pods


class Scenario:
    def __init__(self, path):
        with open(path) as f:
            self.data = json.load(f)
        if "generate" in self.data:
            self.data.setdefault("pods", []).extend(generate_pods(self.data["generate"]))
        self.start = time.time()
        self.lock = threading.Lock()
        self.faults = [dict(f) for f in self.data.get("faults", [])]
        self.request_count = 0
        self.metrics_cache = {}
        self.configmaps = {}  # (namespace, name) -> ConfigMap object
        for item in self.data.get("configmaps", []):
            self.configmaps[(item["namespace"], item["name"])] = configmap_object(
                item["namespace"], item["name"], item.get("data"))

    def tick(self):
        if "fixed_tick" in self.data:
            return self.data["fixed_tick"]
        resolution = self.data.get("resolution_seconds", 15)
        return int((time.time() - self.start) / resolution)

    def take_fault(self, path):
        with self.lock:
            self.request_count += 1
            for fault in self.faults:
                if not path.startswith(fault.get("path_prefix", "/")):
                    continue
                if fault.get("after", 0) > 0:
                    fault["after"] -= 1
                    continue
                if fault.get("count", 1) <= 0:
                    continue
                fault["count"] = fault.get("count", 1) - 1
                return fault
        return None


def pick(values, tick):
    return values[tick % len(values)] if isinstance(values, list) else values


def status_at(container, tick):
    """Container status fields in force at `tick` (the latest timeline entry not after it)."""
    current = {"restartCount": container.get("restartCount", 0),
               "lastTerminated": container.get("lastTerminated")}
    for entry in container.get("timeline", []):
        if entry["from_tick"] <= tick:
            current.update({k: v for k, v in entry.items() if k != "from_tick"})
    return current


def configmap_object(namespace, name, data):
    body = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": "1"}}
    if data:
        body["data"] = dict(data)
    return body


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def configmap_key(path):
    """(namespace, name) for /api/v1/namespaces/NS/configmaps/NAME, else None."""
    parts = path.strip("/").split("/")
    if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "configmaps":
        return parts[3], parts[5]
    return None


def pod_object(pod, tick):
    containers, statuses = [], []
    for c in pod["containers"]:
        resources = {k: c[k] for k in ("requests", "limits") if k in c}
        containers.append({"name": c["name"], "image": "example/%s:1" % c["name"],
                           "resources": resources})
        state = status_at(c, tick)
        status = {"name": c["name"], "ready": True, "restartCount": state["restartCount"],
                  "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}
        if state.get("lastTerminated"):
            status["lastState"] = {"terminated": {
                "reason": state["lastTerminated"], "exitCode": 137,
                "finishedAt": state.get("finishedAt", "2024-01-01T00:00:00Z")}}
        statuses.append(status)
    metadata = {"name": pod["name"], "namespace": pod["namespace"],
                "labels": pod.get("labels", {}), "uid": "uid-" + pod["name"]}
    if "annotations" in pod:
        metadata["annotations"] = pod["annotations"]
    if "ownerReferences" in pod:
        metadata["ownerReferences"] = pod["ownerReferences"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": containers, "nodeName": pod.get("node", "node-1")},
            "status": {"phase": "Running", "containerStatuses": statuses}}


def pod_metrics(pod, tick, resolution, base):
    containers = []
    for c in pod["containers"]:
        usage = c.get("usage", {"cpu": "0", "memory": "0"})
        containers.append({"name": c["name"], "usage": {"cpu": pick(usage["cpu"], tick),
                                                         "memory": pick(usage["memory"], tick)}})
    stamp = pod.get("timestamp") or rfc3339(base + tick * resolution)
    return {"metadata": {"name": pod["name"], "namespace": pod["namespace"],
                         "creationTimestamp": rfc3339(time.time()),
                         "labels": pod.get("labels", {})},
            "timestamp": stamp, "window": "%ds" % resolution, "containers": containers}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    scenario = None
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def log_request_line(self, status, user):
        if not self.log_path:
            return
        entry = {"method": self.command, "path": self.path, "status": status, "user": user,
                 "accept": self.headers.get("Accept", ""),
                 "accept_encoding": self.headers.get("Accept-Encoding", "")}
        with Handler.log_lock:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def send_json(self, status, body, user, extra_headers=None, truncate=False):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        if truncate:
            payload = payload[: max(1, len(payload) // 2)]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)
        self.log_request_line(status, user)

    def send_status(self, code, reason, message, user, extra_headers=None):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "code": code}
        self.send_json(code, body, user, extra_headers)

    def authenticate(self):
        data = self.scenario.data
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return data.get("tokens", {}).get(header[7:])
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode()
            user, _, password = decoded.partition(":")
            return user if data.get("basic", {}).get(user) == password else None
        cert = self.connection.getpeercert()
        if cert:
            for field in cert.get("subject", ()):
                for key, value in field:
                    if key == "commonName" and value in data.get("client_cert_users", []):
                        return value
        return None

    def admit(self, path):
        """The user, or None when a fault, 401 or 403 has already answered."""
        fault = self.scenario.take_fault(path)
        if fault and self.apply_fault(fault):
            return None, None
        user = self.authenticate()
        if user is None:
            self.send_status(401, "Unauthorized", "Unauthorized", None)
            return None, None
        for rule in self.scenario.data.get("forbid", []):
            if rule.get("method", self.command) != self.command:
                continue
            if rule.get("user") in (None, user) and path.startswith(rule["path_prefix"]):
                self.send_status(403, "Forbidden", rule["message"], user)
                return None, None
        return user, fault or {}

    def do_PATCH(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        payload = self.rfile.read(length)
        user, _ = self.admit(url.path)
        if user is None:
            return
        key = configmap_key(url.path)
        if key is None:
            self.send_status(405, "MethodNotAllowed", "PATCH only on configmaps here", user)
            return
        content_type = self.headers.get("Content-Type", "")
        if content_type != "application/merge-patch+json":
            self.send_status(415, "UnsupportedMediaType",
                             "the body of the request was in an unknown format", user)
            return
        try:
            patch = json.loads(payload)
        except ValueError:
            self.send_status(400, "BadRequest", "the patch is not JSON", user)
            return
        with self.scenario.lock:
            current = self.scenario.configmaps.get(key)
            if current is None:
                found = None
            else:
                found = merge_patch(current, patch)
                found["metadata"]["resourceVersion"] = str(
                    int(current["metadata"]["resourceVersion"]) + 1)
                self.scenario.configmaps[key] = found
        if found is None:
            self.send_status(404, "NotFound", 'configmaps "%s" not found' % key[1], user)
        else:
            self.send_json(200, found, user)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        user, fault = self.admit(url.path)
        if user is None:
            return
        truncate = bool(fault and fault.get("truncate"))
        body = self.route(url.path, query)
        if body is None:
            self.send_status(404, "NotFound", "the server could not find the requested resource",
                             user)
        else:
            self.send_json(200, body, user, truncate=truncate)

    def apply_fault(self, fault):
        """Returns True when the fault replaced the response."""
        if "delay" in fault:
            time.sleep(fault["delay"])
        if fault.get("reset"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        if "gzip_mib" in fault:
            # A small gzip answer that inflates to gzip_mib MiB of JSON whitespace.
            raw = b'{"kind":"PodMetricsList","items":[' + b" " * (fault["gzip_mib"] << 20) + b"]}"
            payload = gzip.compress(raw, compresslevel=9)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.log_request_line(200, None)
            return True
        if fault.get("echo_authorization"):
            # Some proxies quote the request back in their error page.
            self.send_status(403, "Forbidden", "denied: " + self.headers.get("Authorization", ""),
                             None)
            return True
        if "status" in fault:
            headers = {}
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            self.send_status(fault["status"], fault.get("reason", "InternalError"),
                             fault.get("message", "injected fault"), None, headers)
            return True
        return False

    def route(self, path, query):
        data = self.scenario.data
        metrics_on = data.get("metrics_available", True)
        if path == "/version":
            return {"major": "1", "minor": "30", "gitVersion": "v1.30.0-fake"}
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if path == "/apis":
            return self.group_list(metrics_on)
        if path == "/api/v1":
            return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
                 "verbs": ["get", "list", "watch"]},
                {"name": "configmaps", "singularName": "configmap", "namespaced": True,
                 "kind": "ConfigMap", "verbs": ["get", "list", "patch"], "shortNames": ["cm"]}]}
        if path == "/apis/metrics.k8s.io/v1beta1" and metrics_on:
            return {"kind": "APIResourceList", "apiVersion": "v1",
                    "groupVersion": "metrics.k8s.io/v1beta1", "resources": [
                        {"name": "nodes", "singularName": "", "namespaced": False,
                         "kind": "NodeMetrics", "verbs": ["get", "list"]},
                        {"name": "pods", "singularName": "", "namespaced": True,
                         "kind": "PodMetrics", "verbs": ["get", "list"]}]}
        if path.startswith("/apis/metrics.k8s.io/v1beta1/") and metrics_on:
            return self.metrics(path[len("/apis/metrics.k8s.io/v1beta1/"):], query)
        key = configmap_key(path)
        if key is not None:
            with self.scenario.lock:
                return self.scenario.configmaps.get(key)
        return self.objects(path, query)

    def group_list(self, metrics_on):
        groups = [("apps", "v1"), ("batch", "v1")] + ([("metrics.k8s.io", "v1beta1")]
                                                      if metrics_on else [])
        items = []
        for name, version in groups:
            gv = {"groupVersion": "%s/%s" % (name, version), "version": version}
            items.append({"name": name, "versions": [gv], "preferredVersion": gv})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": items}

    def selected_pods(self, namespace, query):
        pods = self.scenario.data.get("pods", [])
        if namespace is not None:
            pods = [p for p in pods if p["namespace"] == namespace]
        if "labelSelector" in query:
            matches = parse_selector(query["labelSelector"][0])
            pods = [p for p in pods if matches(p.get("labels", {}))]
        return pods

    def metrics(self, rest, query):
        parts = rest.split("/")
        namespace = None
        if parts[0] == "namespaces" and len(parts) >= 3:
            namespace, parts = parts[1], parts[2:]
        if parts != ["pods"]:
            return None
        scenario = self.scenario
        tick = scenario.tick()
        key = (namespace, query.get("labelSelector", [""])[0], tick)
        with scenario.lock:
            cached = scenario.metrics_cache.get(key)
        if cached is not None:
            return cached
        resolution = scenario.data.get("resolution_seconds", 15)
        # "time_base": "now" stamps tick 0 with the server's start, else 2023-11-14.
        base = int(scenario.start) if scenario.data.get("time_base") == "now" else 1700000000
        items = [pod_metrics(p, tick, resolution, base)
                 for p in self.selected_pods(namespace, query)
                 if p.get("has_metrics", True)]
        body = json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                           "metadata": {}, "items": items},
                          indent=2 if scenario.data.get("pretty") else None).encode()
        with scenario.lock:
            scenario.metrics_cache = {key: body}
        return body

    def objects(self, path, query):
        for resource, (prefix, kind, key) in KINDS.items():
            if not path.startswith(prefix + "/"):
                continue
            parts = path[len(prefix) + 1:].split("/")
            namespace = None
            if parts[0] == "namespaces" and len(parts) >= 3:
                namespace, parts = parts[1], parts[2:]
            if parts[0] != resource or len(parts) > 2:
                continue
            if resource == "pods":
                tick = self.scenario.tick()
                items = [pod_object(p, tick) for p in self.selected_pods(namespace, query)]
            else:
                items = [self.workload_object(kind, w) for w in self.scenario.data.get(key, [])
                         if namespace is None or w["namespace"] == namespace]
            if len(parts) == 2:
                found = [i for i in items if i["metadata"]["name"] == parts[1]]
                return found[0] if found else None
            return self.page(kind, items, query)
        return None

    def workload_object(self, kind, workload):
        if "object" in workload:  # given whole (an HPA with its spec)
            return workload["object"]
        metadata = {"name": workload["name"], "namespace": workload["namespace"]}
        if "ownerReferences" in workload:
            metadata["ownerReferences"] = workload["ownerReferences"]
        api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
        return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": {}}

    def page(self, kind, items, query):
        start = int(query.get("continue", ["0"])[0] or 0)
        limit = int(query.get("limit", ["0"])[0] or 0)
        metadata = {"resourceVersion": "1"}
        if limit > 0:
            if start + limit < len(items):
                metadata["continue"] = str(start + limit)
            items = items[start:start + limit]
        Handler.pages_served += 1
        return {"kind": kind + "List", "apiVersion": "v1", "metadata": metadata, "items": items}


Handler.log_lock = threading.Lock()
Handler.pages_served = 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()

    Handler.scenario = Scenario(args.scenario)
    Handler.log_path = args.log
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(args.client_ca)
    context.verify_mode = ssl.CERT_OPTIONAL
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    temp = args.port_file + ".tmp"
    with open(temp, "w") as f:
        f.write(str(port))
    os.rename(temp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

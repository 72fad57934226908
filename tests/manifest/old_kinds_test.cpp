// ReplicationController (selector a plain map) and workloads of old API versions
// without a selector (the API server defaults it to the template's labels).
#include <catch2/catch.hpp>

#include "podfit/manifest/manifest.hpp"

using namespace podfit;

TEST_CASE("ReplicationControllers and selector-less workloads are read", "[manifest]") {
  auto file = manifest::parse_manifest("old.yaml", R"(apiVersion: v1
kind: ReplicationController
metadata:
  name: frontend
  namespace: web
spec:
  replicas: 2
  selector:
    name: frontend
  template:
    metadata:
      labels:
        name: frontend
        tier: web
    spec:
      containers:
      - name: php
        image: php
        resources:
          requests:
            cpu: 100m
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: legacy
spec:
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: app
        image: app
)");
  REQUIRE(file);
  REQUIRE(file->workloads.size() == 2);
  const manifest::Workload& rc = file->workloads[0];
  CHECK(rc.ref == WorkloadRef{"web", "ReplicationController", "frontend"});
  CHECK(rc.selector.match_labels == Labels{{"name", "frontend"}});
  REQUIRE(rc.containers.size() == 1);
  CHECK(rc.containers[0].current.cpu_request->text == "100m");
  const manifest::Workload& legacy = file->workloads[1];
  CHECK(legacy.selector.match_labels == Labels{{"app", "legacy"}});
  CHECK(legacy.selector.match_expressions.empty());
}

TEST_CASE("'{{' inside a YAML string is data, not a Helm template", "[manifest]") {
  auto file = manifest::parse_manifest("app.yaml", R"(apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: api
spec:
  groups:
  - name: api
    rules:
    - alert: ApiDown
      annotations:
        description: "{{ $labels.instance }} has been down for 5 minutes"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: api
        command: ["sh", "-c", "sed 's/{{PROJECT_ID}}/prod/' /etc/conf.tmpl > /etc/conf"]
        resources:
          requests:
            cpu: 100m
)");
  REQUIRE(file);
  REQUIRE(file->workloads.size() == 1);
  CHECK(file->workloads[0].ref.name == "api");
  // A template that does not parse still says what it probably is, with the line.
  auto chart = manifest::parse_manifest(
      "chart.yaml", "kind: Deployment\nmetadata:\n  name: x\n  labels:\n{{- include \"l\" . }}\n");
  REQUIRE_FALSE(chart);
  CHECK_THAT(chart.error().message, Catch::StartsWith("chart.yaml:") &&
                                        Catch::Contains("Helm/Go template") &&
                                        Catch::Contains("line 5"));
}

TEST_CASE("a container with limits only has requests equal to them", "[manifest]") {
  auto file = manifest::parse_manifest("limits.yaml", R"(kind: Pod
apiVersion: v1
metadata:
  name: tool
spec:
  containers:
  - name: tool
    image: tool
    resources:
      limits:
        cpu: "2"
        memory: 1Gi
      requests:
        memory: 512Mi
)");
  REQUIRE(file);
  const Resources& current = file->workloads.at(0).containers.at(0).current;
  REQUIRE(current.cpu_request);
  CHECK(*current.cpu_request == ResourceValue{2.0, "2"});  // defaulted from the limit
  CHECK(*current.memory_request == ResourceValue{512.0 * 1024 * 1024, "512Mi"});  // as set
}

TEST_CASE("an object with generateName is skipped, not the whole file", "[manifest]") {
  auto file = manifest::parse_manifest("hooks.yaml", R"(apiVersion: batch/v1
kind: Job
metadata:
  generateName: upgrade-sql-schema
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: migrate
      restartPolicy: Never
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
spec:
  selector:
    matchLabels: {app: frontend}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
      - name: web
        image: web
)");
  REQUIRE(file);
  REQUIRE(file->workloads.size() == 1);
  CHECK(file->workloads[0].ref.name == "frontend");
}

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

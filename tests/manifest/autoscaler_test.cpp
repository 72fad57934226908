// HPAs, template annotations, single-scalar edits and the policy file's rules.
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"

#include <catch2/catch.hpp>

#include "support/support.hpp"

namespace podfit::manifest {
namespace {

TEST_CASE("HPAs of every version, with where their targets are written", "[manifest][hpa]") {
  const std::string text = R"(apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: old, namespace: shop}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  targetCPUUtilizationPercentage: "75"
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: bare}
spec:
  scaleTargetRef: {kind: StatefulSet, name: db}
---
apiVersion: autoscaling/v2beta1
kind: HorizontalPodAutoscaler
metadata: {name: beta}
spec:
  scaleTargetRef: {kind: Deployment, name: api}
  metrics:
  - type: Resource
    resource: {name: memory, targetAverageUtilization: 65}
  - type: External
    external: {metricName: queue}
)";
  auto file = parse_manifest("h.yaml", text);
  REQUIRE(file);
  REQUIRE(file->autoscalers.size() == 3);
  const Autoscaler& old = file->autoscalers[0];
  CHECK(old.ref == WorkloadRef{"shop", "HorizontalPodAutoscaler", "old"});
  CHECK(old.target == WorkloadRef{"shop", "Deployment", "web"});
  REQUIRE(old.metrics.size() == 1);
  CHECK(old.metrics[0].utilization == 75);
  CHECK(old.metrics[0].line == 6);
  CHECK(text.substr(old.metrics[0].offset, 4) == "\"75\"");
  CHECK(old.metrics[0].path == "/spec/targetCPUUtilizationPercentage");
  // No target written: the controller's 80 % CPU, nothing to edit in place.
  const Autoscaler& bare = file->autoscalers[1];
  CHECK(bare.metrics[0].utilization == 80);
  CHECK(bare.metrics[0].offset == 0);
  const Autoscaler& beta = file->autoscalers[2];
  REQUIRE(beta.metrics.size() == 2);
  CHECK(beta.metrics[0].resource == "memory");
  CHECK(beta.metrics[0].type == "Utilization");
  CHECK(beta.metrics[0].utilization == 65);
  CHECK(beta.metrics[0].path == "/spec/metrics/0/resource/targetAverageUtilization");
  CHECK(beta.metrics[1].type == "External");
  CHECK(beta.metrics[1].resource.empty());
  CHECK(file->workloads.empty());

  // The API server's list (kind only on the list), as --live reads it.
  auto list = parse_manifest("cluster",
                             R"({"kind":"HorizontalPodAutoscalerList","apiVersion":"autoscaling/v2",
"items":[{"metadata":{"name":"web","namespace":"shop"},"spec":{"scaleTargetRef":
{"kind":"Deployment","name":"web"},"metrics":[{"type":"ContainerResource","containerResource":
{"name":"cpu","container":"nginx","target":{"type":"Utilization","averageUtilization":60}}}]}}]})");
  REQUIRE(list);
  REQUIRE(list->autoscalers.size() == 1);
  CHECK(list->autoscalers[0].metrics[0].container == "nginx");
  CHECK(list->autoscalers[0].metrics[0].utilization == 60);
  CHECK(list->autoscalers[0].metrics[0].path ==
        "/spec/metrics/0/containerResource/target/averageUtilization");
}

TEST_CASE("replace_scalars keeps quotes and comments, and refuses what is not a scalar",
          "[manifest][hpa]") {
  const std::string text = "a: 60   # keep\nb: \"100m\"\nc: {x: 70, y: 1}\nd: |\n  text\n";
  auto edited = replace_scalars(
      "f.yaml", text,
      {{text.find("60"), "74"}, {text.find("\"100m\""), "69m"}, {text.find("70"), "90"}});
  REQUIRE(edited);
  CHECK(*edited == "a: 74   # keep\nb: \"69m\"\nc: {x: 90, y: 1}\nd: |\n  text\n");
  auto block = replace_scalars("f.yaml", text, {{text.find("|"), "x"}});
  REQUIRE_FALSE(block);
  CHECK_THAT(block.error().message, Catch::StartsWith("f.yaml:4: expected a scalar"));
  CHECK_FALSE(replace_scalars("f.yaml", text, {{text.size() + 3, "x"}}));
}

TEST_CASE("workloads keep their annotations, and where the template's are written",
          "[manifest][hpa]") {
  const std::string text = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {podfit.io/cpu-limit: none}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        sidecar.istio.io/proxyCPU: '100m'
    spec:
      initContainers:
      - name: shipper
        restartPolicy: Always
        env: [{name: GOMEMLIMIT, value: 200MiB}, {name: FROM, valueFrom: {fieldRef: {fieldPath: x}}}]
      containers:
      - name: web
        command: [java]
        args: ["-Xmx1g"]
)";
  auto file = parse_manifest("w.yaml", text);
  REQUIRE(file);
  const Workload& web = file->workloads.at(0);
  CHECK(web.annotations.at("podfit.io/cpu-limit") == "none");
  const EditableScalar& cpu = web.template_annotations.at("sidecar.istio.io/proxyCPU");
  CHECK(cpu.text == "100m");
  CHECK(cpu.line == 12);
  CHECK(text.substr(cpu.offset, 6) == "'100m'");
  REQUIRE(web.containers.size() == 2);
  CHECK(web.containers[0].restart_always);
  CHECK(web.containers[0].env == std::map<std::string, std::string>{{"GOMEMLIMIT", "200MiB"}});
  CHECK(web.containers[1].command_line == std::vector<std::string>{"java", "-Xmx1g"});
}

TEST_CASE("the policy file's rules, and its errors with file:line", "[manifest][hpa]") {
  podfit::test::TempDir dir;
  auto load = [&](const std::string& text) {
    podfit::test::write_file(dir / "p.yaml", text);
    return load_policy_file((dir / "p.yaml").string());
  };
  auto file = load(
      "min-change: 5%\nrules:\n  - namespace: batch\n    cpu-limit: none\n"
      "  - selector: app=web\n    memory-limit-margin: 3\n");
  REQUIRE(file);
  CHECK(file->settings == std::map<std::string, std::string>{{"min-change", "5%"}});
  REQUIRE(file->rules.size() == 2);
  CHECK(file->rules[0].namespace_name == "batch");
  CHECK(file->rules[0].settings.at("cpu-limit") == "none");
  CHECK(file->rules[1].selector == "app=web");
  CHECK_THAT(file->rules[1].origin, Catch::EndsWith("p.yaml:5 (rule)"));
  std::string path = (dir / "p.yaml").string();
  CHECK_THAT(load("rules: {a: 1}\n").error().message, Catch::StartsWith(path + ":1: `rules`"));
  CHECK_THAT(load("rules:\n  - namespace: x\n").error().message,
             Catch::StartsWith(path + ":2: a rule without settings"));
  CHECK_THAT(load("rules:\n  - namespace: [a]\n    qos: burstable\n").error().message,
             Catch::StartsWith(path + ":2: a rule's namespace must be text"));
  CHECK_THAT(load("rules:\n  - cpu-limit: {a: 1}\n").error().message,
             Catch::StartsWith(path + ":2: 'cpu-limit' must be a single value"));
}

}  // namespace
}  // namespace podfit::manifest

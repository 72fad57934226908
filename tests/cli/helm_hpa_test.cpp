// --chart with an HPA whose target the chart takes from its values: the new target goes
// to the override values file beside the requests it follows (docs/manifest.md).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;
using podfit::test::write_file;

namespace {

constexpr const char* kWebTemplate = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    matchLabels:
      app: {{ .Release.Name }}-web
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-web
    spec:
      containers:
        - name: web
          image: web:1
          resources:
            {{- toYaml .Values.web.resources | nindent 12 }}
)";

constexpr const char* kHpaTemplate = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .Release.Name }}-web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .Release.Name }}-web
  minReplicas: 2
  maxReplicas: 8
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.web.hpa.cpu }}
)";

constexpr const char* kDefaults = R"(web:
  resources:
    requests:
      cpu: 200m
      memory: 128Mi
  hpa:
    cpu: 60   # percent of the request
)";

// What `helm template shop chart -f values.yaml -f values-prod.yaml` prints.
constexpr const char* kRendered = R"(---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
spec:
  selector:
    matchLabels:
      app: shop-web
  template:
    metadata:
      labels:
        app: shop-web
    spec:
      containers:
        - name: web
          image: web:1
          resources:
            requests:
              cpu: 200m
              memory: 128Mi
---
# Source: shop/templates/hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: shop-web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: shop-web
  minReplicas: 2
  maxReplicas: 8
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 60
)";

constexpr const char* kSamples = R"(import json
for t in range(40):
    items = [{"metadata": {"name": "shop-web-6c7d8f9b5b-x2k9p", "namespace": "shop",
                           "labels": {"app": "shop-web"}},
              "timestamp": "2024-08-23T10:%02d:00Z" % t, "window": "1m0s",
              "containers": [{"name": "web", "usage": {"cpu": "150m", "memory": "100Mi"}}]}]
    print(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": items}))
)";

// Helm's deep merge of the two values files, printed as JSON.
constexpr const char* kMerge = R"(import json, sys, yaml
def merge(a, b):
    out = dict(a)
    for k, v in (b or {}).items():
        out[k] = merge(a[k], v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
    return out
print(json.dumps(merge(yaml.safe_load(open(sys.argv[1])), yaml.safe_load(open(sys.argv[2])))))
)";

nlohmann::json patched(const std::string& production) {
  TempDir dir;
  std::filesystem::create_directories(dir / "chart" / "templates");
  write_file(dir / "chart" / "Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n");
  write_file(dir / "chart" / "templates" / "web.yaml", kWebTemplate);
  write_file(dir / "chart" / "templates" / "hpa.yaml", kHpaTemplate);
  write_file(dir / "chart" / "values.yaml", kDefaults);
  write_file(dir / "chart" / "values-prod.yaml", production);
  write_file(dir / "rendered.yaml", kRendered);
  write_file(dir / "gen.py", kSamples);
  write_file(dir / "merge.py", kMerge);
  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  REQUIRE(run_command(cd + podfit::test::python() + " gen.py > s.jsonl").exit_code == 0);
  CommandResult run = run_command(
      cd + shell_quote(podfit::test::podfit_binary()) +
      " patch --write --samples s.jsonl --chart chart --values chart/values.yaml --values "
      "chart/values-prod.yaml --release shop --rendered rendered.yaml");
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("shop/templates/hpa.yaml takes it from .Values.web.hpa.cpu"));
  CHECK(run.out.find("to apply by hand") == std::string::npos);  // nothing left over
  CHECK(podfit::test::read_file(dir / "chart" / "values.yaml") == kDefaults);
  CommandResult merged = run_command(cd + podfit::test::python() +
                                     " merge.py chart/values.yaml chart/values-prod.yaml");
  REQUIRE(merged.exit_code == 0);
  nlohmann::json values = nlohmann::json::parse(merged.out);
  values["production file"] = podfit::test::read_file(dir / "chart" / "values-prod.yaml");
  return values;
}

}  // namespace

TEST_CASE("patch --chart sets the HPA target the chart reads from its values", "[cli][helm]") {
  // 150m x 1.15 = 173m for 200m now: 60% of 200m is 120m per pod, 120 / 173 = 69.4 -> 69%.
  SECTION("added to an override file that does not set it") {
    nlohmann::json values = patched("# Production.\nweb:\n  image: web:2\n");
    CHECK(values["web"]["hpa"]["cpu"] == 69);
    CHECK(values["web"]["resources"]["requests"]["cpu"] == "173m");
    CHECK_THAT(values["production file"].get<std::string>(),
               Catch::StartsWith("# Production.\nweb:\n  image: web:2\n"));
  }
  SECTION("replaced where the override file sets it, its comment kept") {
    nlohmann::json values = patched("web:\n  hpa:\n    cpu: 60   # as in staging\n");
    CHECK(values["web"]["hpa"]["cpu"] == 69);
    CHECK_THAT(values["production file"].get<std::string>(),
               Catch::Contains("    cpu: 69   # as in staging\n"));
  }
}

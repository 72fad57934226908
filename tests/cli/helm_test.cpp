// --chart DIR: a Helm chart's rendered workloads are the manifests, and patch writes the
// recommendations to the values path each container's template reads, in the override
// values file only. Checked with Python's YAML reader and a Helm-style deep merge.
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

constexpr const char* kApiTemplate = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-api-steady-000
spec:
  selector:
    matchLabels:
      app: {{ .Release.Name }}-api-steady-000
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-api-steady-000
    spec:
      containers:
        - name: app
          image: "api:{{ .Values.api.tag }}"
          resources:
            {{- toYaml .Values.api.resources | nindent 12 }}
        - name: proxy
          image: envoy:1
          {{- with .Values.proxy.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
)";

// Its resources come from a helper the mapping cannot follow: the annotation decides.
constexpr const char* kWorkerTemplate = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-worker-steady-000
  annotations:
    podfit.io/values-path: worker.resources
spec:
  selector:
    matchLabels:
      app: {{ .Release.Name }}-worker-steady-000
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-worker-steady-000
    spec:
      containers:
        - name: app
          image: worker:1
          {{- include "shop.resources" .Values.worker | nindent 10 }}
)";

constexpr const char* kDefaults = R"(# Defaults for every environment.
api:
  tag: "1"
  resources:
    requests:
      cpu: 100m
      memory: 128Mi
proxy:
  resources: {}
worker:
  resources:
    requests:
      cpu: 50m
)";

constexpr const char* kProduction = R"(# Production overrides: only what differs.
api:
  tag: "2"   # pinned for the release
  resources:
    limits:
      memory: 512Mi
)";

// What `helm template shop chart -f values.yaml -f values-prod.yaml` prints.
constexpr const char* kRendered = R"(---
# Source: shop/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api-steady-000
spec:
  selector:
    matchLabels:
      app: shop-api-steady-000
  template:
    metadata:
      labels:
        app: shop-api-steady-000
    spec:
      containers:
        - name: app
          image: "api:2"
          resources:
            limits:
              memory: 512Mi
            requests:
              cpu: 100m
              memory: 128Mi
        - name: proxy
          image: envoy:1
---
# Source: shop/templates/worker.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-worker-steady-000
  annotations:
    podfit.io/values-path: worker.resources
spec:
  selector:
    matchLabels:
      app: shop-worker-steady-000
  template:
    metadata:
      labels:
        app: shop-worker-steady-000
    spec:
      containers:
        - name: app
          image: worker:1
          resources:
            requests:
              cpu: 50m
)";

// Two hours at 1 minute of the three containers.
constexpr const char* kSamples = R"(import json, math
pods = [("shop-api-steady-000-7d4b9c8f6d-x2x4z", "shop-api-steady-000",
         [("app", 0.30, 300), ("proxy", 0.02, 40)]),
        ("shop-worker-steady-000-5f6b7c8d94-q8w2z", "shop-worker-steady-000", [("app", 0.8, 900)])]
for t in range(120):
    items = []
    for pod, app, containers in pods:
        usage = [{"name": n, "usage": {"cpu": "%dn" % int(cpu * (1 + 0.3 * math.sin(t / 7.0)) * 1e9),
                  "memory": "%dKi" % int(mem * 1024 * (1 + 0.05 * math.sin(t / 11.0)))}}
                 for n, cpu, mem in containers]
        items.append({"metadata": {"name": pod, "namespace": "shop", "labels": {"app": app}},
                      "timestamp": "2024-08-23T%02d:%02d:00Z" % (10 + t // 60, t % 60),
                      "window": "1m0s", "containers": usage})
    print(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": items}))
)";

// values.yaml deep-merged with the edited values-prod.yaml, as Helm merges them, printed as
// JSON: the resources each container renders with.
constexpr const char* kMerge = R"(import json, sys, yaml
def merge(a, b):
    out = dict(a)
    for k, v in (b or {}).items():
        out[k] = merge(a[k], v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
    return out
base = yaml.safe_load(open(sys.argv[1]))
override = yaml.safe_load(open(sys.argv[2]))
merged = merge(base, override)
print(json.dumps({k: merged[k].get("resources") for k in ("api", "proxy", "worker")}))
)";

struct Chart {
  TempDir dir;
  std::string chart = (dir / "chart").string();
  std::string rendered = (dir / "rendered.yaml").string();
  std::string samples = (dir / "s.jsonl").string();

  Chart() {
    std::filesystem::create_directories(dir / "chart" / "templates");
    write_file(dir / "chart" / "Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n");
    write_file(dir / "chart" / "templates" / "api.yaml", kApiTemplate);
    write_file(dir / "chart" / "templates" / "worker.yaml", kWorkerTemplate);
    write_file(dir / "chart" / "values.yaml", kDefaults);
    write_file(dir / "chart" / "values-prod.yaml", kProduction);
    write_file(rendered, kRendered);
    write_file(dir / "gen.py", kSamples);
    write_file(dir / "merge.py", kMerge);
    REQUIRE(run_command(podfit::test::python() + " " + shell_quote((dir / "gen.py").string()) +
                        " > " + shell_quote(samples))
                .exit_code == 0);
  }
  std::string cd() const { return "cd " + shell_quote(dir.path().string()) + " && "; }
  std::string flags() const {
    return " --samples s.jsonl --chart chart --values chart/values.yaml --values "
           "chart/values-prod.yaml --release shop";
  }
  CommandResult podfit(const std::string& args, const std::string& env = "") const {
    return run_command(cd() + env + shell_quote(podfit::test::podfit_binary()) + " " + args);
  }
};

}  // namespace

TEST_CASE("patch --chart writes each container's numbers to its values path in the override file",
          "[cli][helm]") {
  Chart chart;
  CommandResult json =
      chart.podfit("recommend -o json" + chart.flags() + " --rendered rendered.yaml");
  INFO(json.err);
  REQUIRE(json.exit_code == 0);
  auto recommendations = nlohmann::json::parse(json.out)["recommendations"];
  REQUIRE(recommendations.size() == 3);
  // The current values are what the chart renders with both values files.
  nlohmann::json wanted;
  for (const auto& r : recommendations) {
    std::string key = r["workload"] == "shop-worker-steady-000" ? "worker"
                      : r["container"] == "proxy"               ? "proxy"
                                                                : "api";
    if (key == "api") CHECK(r["current"]["limits"]["memory"] == "512Mi");
    wanted[key] = r["recommended"];
  }

  CommandResult diff = chart.podfit("patch" + chart.flags() + " --rendered rendered.yaml");
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("+++ b/chart/values-prod.yaml"));
  CHECK(diff.out.find("values.yaml\n") == std::string::npos);  // the defaults stay
  CHECK_THAT(diff.out, Catch::Contains("shop/templates/api.yaml uses .Values.api.resources for "
                                       "container app"));
  CHECK_THAT(diff.out, Catch::Contains("shop/templates/api.yaml uses .Values.proxy.resources for "
                                       "container proxy"));
  CHECK_THAT(diff.out,
             Catch::Contains("annotation podfit.io/values-path: .Values.worker.resources"));
  write_file(chart.dir / "out.diff", diff.out);
  CommandResult applies = run_command(chart.cd() + "git init -q . && git apply --check out.diff");
  INFO(applies.err);
  CHECK(applies.exit_code == 0);

  CommandResult written =
      chart.podfit("patch --write" + chart.flags() + " --rendered rendered.yaml");
  REQUIRE(written.exit_code == 0);
  std::string edited = podfit::test::read_file(chart.dir / "chart" / "values-prod.yaml");
  CHECK(podfit::test::read_file(chart.dir / "chart" / "values.yaml") == kDefaults);
  CHECK_THAT(edited, Catch::StartsWith("# Production overrides: only what differs.\napi:\n"
                                       "  tag: \"2\"   # pinned for the release\n"));
  // Helm's merge of the two files renders exactly the recommended values.
  CommandResult merged =
      run_command(podfit::test::python() + " " + shell_quote((chart.dir / "merge.py").string()) +
                  " " + shell_quote((chart.dir / "chart" / "values.yaml").string()) + " " +
                  shell_quote((chart.dir / "chart" / "values-prod.yaml").string()));
  INFO(merged.err << edited);
  REQUIRE(merged.exit_code == 0);
  auto rendered = nlohmann::json::parse(merged.out);
  for (const char* key : {"api", "proxy", "worker"}) {
    INFO(key);
    CHECK(rendered[key] == wanted[key]);
  }
  // Nothing is left to change.
  CommandResult again = chart.podfit("patch --check" + chart.flags() + " --rendered rendered.yaml");
  INFO(again.out);
  CHECK(again.exit_code == 1);  // the rendered stream is still the old one: podfit says so
}

TEST_CASE("patch --chart runs helm template when it is on PATH, and says when it is not",
          "[cli][helm]") {
  Chart chart;
  std::filesystem::create_directories(chart.dir / "bin");
  write_file(chart.dir / "bin" / "helm",
             "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\ncat " +
                 shell_quote(chart.rendered) + "\n");
  std::filesystem::permissions(chart.dir / "bin" / "helm", std::filesystem::perms::owner_all);
  std::string path = "PATH=" + shell_quote((chart.dir / "bin").string()) + ":$PATH ";
  CommandResult with_helm = chart.podfit("patch" + chart.flags() + " -n shop", path);
  INFO(with_helm.err);
  REQUIRE(with_helm.exit_code == 0);
  CHECK_THAT(with_helm.out, Catch::Contains("+++ b/chart/values-prod.yaml"));
  CHECK(podfit::test::read_file(chart.dir / "bin" / "args") ==
        "template shop chart -f chart/values.yaml -f chart/values-prod.yaml --namespace shop\n");

  CommandResult without = chart.podfit("patch" + chart.flags(), "PATH=/usr/bin:/bin ");
  CHECK(without.exit_code == 4);
  CHECK_THAT(without.err,
             Catch::Contains("rendering needs `helm` on PATH") && Catch::Contains("--rendered"));
  CommandResult no_chart =
      chart.podfit("patch --samples s.jsonl --chart nowhere --rendered rendered.yaml");
  CHECK(no_chart.exit_code == 4);
  CHECK_THAT(no_chart.err, Catch::Contains("--chart nowhere: not a chart folder"));
}

// The shapes of two public charts: `helm create`'s (a templated container name, the
// reference on a line of its own at column 0, `resources: {}` in the defaults and an
// override file without it), and one template file rendering two Deployments, the second
// with literal resources that no values file sets.
TEST_CASE("patch --chart follows helm create's template and leaves literal resources alone",
          "[cli][helm]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "web" / "templates");
  write_file(dir / "web" / "Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n");
  write_file(dir / "web" / "templates" / "deployment.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web-steady-000
spec:
  selector:
    matchLabels:
      app: {{ .Release.Name }}-web-steady-000
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-web-steady-000
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "web:1"
          ports:
            - name: http
              containerPort: 80
          resources:
{{ toYaml .Values.resources | indent 12 }}
)");
  write_file(dir / "web" / "templates" / "cache.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-cache-steady-000
spec:
  selector:
    matchLabels:
      app: {{ .Release.Name }}-cache-steady-000
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-cache-steady-000
    spec:
      containers:
      - name: server
        image: cache:1
        resources:
          {{- toYaml .Values.cache.resources | nindent 10 }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-redis-steady-000
spec:
  selector:
    matchLabels:
      app: {{ .Release.Name }}-redis-steady-000
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}-redis-steady-000
    spec:
      containers:
      - name: redis
        image: redis:7
        resources:
          requests:
            cpu: 70m
            memory: 200Mi
)");
  const std::string defaults = R"(replicaCount: 1
resources:
  {}
  # Uncomment to set them:
  # limits:
  #  cpu: 100m
cache:
  resources:
    requests:
      cpu: 100m
)";
  write_file(dir / "web" / "values.yaml", defaults);
  write_file(dir / "web" / "values-production.yaml", "service:\n  type: LoadBalancer\n");
  write_file(dir / "rendered.yaml", R"(---
# Source: web/templates/cache.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: site-cache-steady-000
spec:
  selector:
    matchLabels:
      app: site-cache-steady-000
  template:
    metadata:
      labels:
        app: site-cache-steady-000
    spec:
      containers:
      - name: server
        image: cache:1
        resources:
          requests:
            cpu: 100m
---
# Source: web/templates/cache.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: site-redis-steady-000
spec:
  selector:
    matchLabels:
      app: site-redis-steady-000
  template:
    metadata:
      labels:
        app: site-redis-steady-000
    spec:
      containers:
      - name: redis
        image: redis:7
        resources:
          requests:
            cpu: 70m
            memory: 200Mi
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: site-web-steady-000
spec:
  selector:
    matchLabels:
      app: site-web-steady-000
  template:
    metadata:
      labels:
        app: site-web-steady-000
    spec:
      containers:
        - name: web
          image: "web:1"
          ports:
            - name: http
              containerPort: 80
          resources:
            {}
)");
  write_file(dir / "gen.py", R"(import json
pods = [("site-web-steady-000-7d4b9c8f6d-x2x4z", "site-web-steady-000", "web", 0.2, 100),
        ("site-cache-steady-000-6c5d8b9f7d-b2c4d", "site-cache-steady-000", "server", 0.1, 300),
        ("site-redis-steady-000-5f6b7c8d94-q8w2z", "site-redis-steady-000", "redis", 0.4, 600)]
for t in range(120):
    items = [{"metadata": {"name": p, "namespace": "site", "labels": {"app": a}},
              "timestamp": "2024-08-23T%02d:%02d:00Z" % (10 + t // 60, t % 60), "window": "1m0s",
              "containers": [{"name": c, "usage": {"cpu": "%dn" % int(cpu * (1 + (t % 7) / 10) * 1e9),
                                                    "memory": "%dKi" % (mem * 1024 + t)}}]}
             for p, a, c, cpu, mem in pods]
    print(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": items}))
)");
  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  REQUIRE(run_command(cd + podfit::test::python() + " gen.py > s.jsonl").exit_code == 0);
  std::string flags =
      " --samples s.jsonl --chart web --values web/values.yaml --values "
      "web/values-production.yaml --rendered rendered.yaml";
  CommandResult diff =
      run_command(cd + shell_quote(podfit::test::podfit_binary()) + " patch" + flags);
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("web/templates/deployment.yaml uses .Values.resources for "
                                       "container 1 of 1"));
  CHECK_THAT(diff.out, Catch::Contains("web/templates/cache.yaml uses .Values.cache.resources for "
                                       "container server"));
  CHECK_THAT(diff.out, Catch::Contains("# Not placed in web/values-production.yaml:") &&
                           Catch::Contains("container redis: web/templates/cache.yaml sets "
                                           "container redis's resources without"));
  write_file(dir / "out.diff", diff.out);
  CHECK(run_command(cd + "git init -q . && git apply out.diff").exit_code == 0);
  // The override file now has both paths, its own key untouched; the defaults are as they were.
  std::string edited = podfit::test::read_file(dir / "web" / "values-production.yaml");
  CHECK_THAT(edited, Catch::StartsWith("service:\n  type: LoadBalancer\n"));
  CHECK(podfit::test::read_file(dir / "web" / "values.yaml") == defaults);
  CommandResult json =
      run_command(cd + shell_quote(podfit::test::podfit_binary()) + " recommend -o json" + flags);
  REQUIRE(json.exit_code == 0);
  CommandResult parsed = run_command(
      podfit::test::python() +
      " -c \"import json,sys,yaml; v=yaml.safe_load(open(sys.argv[1])); "
      "print(json.dumps({'web': v['resources'], 'cache': v['cache']['resources']}))\" " +
      shell_quote((dir / "web" / "values-production.yaml").string()));
  REQUIRE(parsed.exit_code == 0);
  auto written = nlohmann::json::parse(parsed.out);
  const nlohmann::json document = nlohmann::json::parse(json.out);
  std::size_t compared = 0;
  for (const auto& r : document["recommendations"]) {
    INFO(r.dump());
    if (r["container"] == "web") CHECK(written["web"] == r["recommended"]);
    if (r["container"] == "server") CHECK(written["cache"] == r["recommended"]);
    compared += r["container"] == "web" || r["container"] == "server";
  }
  CHECK(compared == 2);
}

TEST_CASE("patch -f on a chart's files warns and points to --chart", "[cli][helm]") {
  Chart chart;
  CommandResult values = chart.podfit("patch --samples s.jsonl -f chart/values-prod.yaml");
  INFO(values.err);
  CHECK(values.exit_code == 0);
  CHECK_THAT(values.err, Catch::Contains("-f reads these Helm charts file by file") &&
                             Catch::Contains("chart; use --chart DIR --values FILE"));
  CommandResult folder = chart.podfit("patch --samples s.jsonl -f chart");
  CHECK(folder.exit_code == 3);  // the templates are reported, by file and line
  CHECK_THAT(folder.err, Catch::Contains("use --chart DIR --values FILE") &&
                             Catch::Contains("chart/templates/api.yaml:") &&
                             Catch::Contains("give its chart with --chart DIR"));
}

// Per-workload settings, runtime heaps and the workload-wide rules (workload_policy.hpp),
// each against numbers worked by hand.
#include "podfit/policy/workload_policy.hpp"

#include "podfit/manifest/manifest.hpp"

#include <catch2/catch.hpp>

namespace podfit::policy {
namespace {

constexpr double kMi = 1024.0 * 1024.0;

ContainerFacts container(std::vector<std::string> command_line,
                         std::map<std::string, std::string> env = {}) {
  return ContainerFacts{"app", ContainerRole::regular, std::move(command_line), std::move(env)};
}

TEST_CASE("runtime heaps: the JVM's last flag wins, Node and Go too", "[policy][rules]") {
  auto heap = find_runtime_heap(container({"java", "-Xms256m", "-Xmx1g", "-jar", "a.jar"}));
  REQUIRE(heap);
  CHECK(heap->runtime == "JVM");
  CHECK(heap->bytes == 1024 * kMi);
  CHECK(heap->overhead == Approx(1.3));
  // The command line beats JAVA_TOOL_OPTIONS, which the JVM reads first.
  heap = find_runtime_heap(container({"-Xmx300m"}, {{"JAVA_TOOL_OPTIONS", "-Xmx2g"}}));
  REQUIRE(heap);
  CHECK(heap->bytes == 300 * kMi);
  heap = find_runtime_heap(container({"sh", "-c", "exec java '-XX:MaxHeapSize=512M' -jar x"}));
  REQUIRE(heap);
  CHECK(heap->bytes == 512 * kMi);
  heap = find_runtime_heap(container({}, {{"JDK_JAVA_OPTIONS", "-XX:MaxRAMPercentage=75.0"}}));
  REQUIRE(heap);
  CHECK(heap->bytes == 0);
  CHECK(heap->percent == 75);
  heap = find_runtime_heap(container({"node", "--max-old-space-size=1536", "server.js"}));
  REQUIRE(heap);
  CHECK(heap->runtime == "Node.js");
  CHECK(heap->bytes == 1536 * kMi);
  heap = find_runtime_heap(container({}, {{"NODE_OPTIONS", "--max-old-space-size=256"}}));
  REQUIRE(heap);
  CHECK(heap->bytes == 256 * kMi);
  heap = find_runtime_heap(container({}, {{"GOMEMLIMIT", "900MiB"}}));
  REQUIRE(heap);
  CHECK(heap->runtime == "Go");
  CHECK(heap->bytes == 900 * kMi);
  CHECK(heap->overhead == Approx(1.1));
  // Nothing usable: no heap.
  CHECK_FALSE(find_runtime_heap(container({"java", "-Xmxlots", "-Xss1m"})));
  CHECK_FALSE(find_runtime_heap(container({}, {{"GOMEMLIMIT", "off"}})));
  CHECK_FALSE(find_runtime_heap(container({"-XX:MaxRAMPercentage=0"})));
}

stats::ContainerStats steady(const std::string& container, double cpu, double memory) {
  stats::ContainerStats stats;
  stats.workload = {"shop", "Deployment", "api"};
  stats.container = container;
  stats.pods = 1;
  stats.samples = 100;
  stats.window_seconds = 6000;
  stats.cpu = stats::Summary{100, cpu, cpu, cpu, cpu, cpu, cpu, 1};
  stats.memory = stats::Summary{100, memory, memory, memory, memory, memory, memory, 1};
  return stats;
}

TEST_CASE("a fixed heap bounds the memory limit from below", "[policy][rules]") {
  PolicyOptions options;
  options.cpu_request_exceedance_cost = 0;
  ContainerFacts facts = container({"-Xmx1g"});
  WorkloadFacts workload;
  Recommendation r = recommend(steady("app", 0.1, 300 * kMi), {}, options, {}, {&workload, &facts});
  // Usage says 300Mi x 2 = 600Mi; the heap says 1Gi x 1.3 = 1331.2Mi -> 1332Mi.
  REQUIRE(r.recommended.memory_limit);
  CHECK(r.recommended.memory_limit->text == "1332Mi");
  // A heap well inside the usage-based limit changes nothing and says so.
  facts = container({"-Xmx100m"});
  r = recommend(steady("app", 0.1, 300 * kMi), {}, options, {}, {&workload, &facts});
  CHECK(r.recommended.memory_limit->text == "600Mi");
  CHECK_THAT(r.reason, Catch::Contains("JVM heap 100Mi (-Xmx100m) fits the memory limit"));
}

TEST_CASE("policy rules by namespace and selector, annotations on top", "[policy][rules]") {
  PolicySet set;
  auto batch = make_rule("p.yaml:3 (rule)", "batch", "", {{"cpu-limit", "none"}});
  auto web = make_rule("p.yaml:6 (rule)", "", "tier in (web,edge)", {{"memory-limit-margin", "3"}});
  REQUIRE(batch);
  REQUIRE(web);
  set.rules = {*batch, *web};
  WorkloadFacts facts;
  facts.labels = {{"tier", "web"}};
  facts.origin = "app.yaml:1";
  WorkloadPolicy resolved = resolve_policy(set, {"batch", "Deployment", "x"}, &facts);
  CHECK(resolved.error.empty());
  CHECK(resolved.options.cpu_limit == CpuLimitMode::none);
  CHECK(resolved.options.memory_limit_margin == 3);
  REQUIRE(resolved.origins.size() == 2);
  CHECK(resolved.origins[0] == "cpu-limit=none from p.yaml:3 (rule)");
  // Another namespace, other labels: the defaults.
  facts.labels = {{"tier", "db"}};
  resolved = resolve_policy(set, {"shop", "Deployment", "x"}, &facts);
  CHECK(resolved.options.cpu_limit == CpuLimitMode::set);
  CHECK(resolved.options.memory_limit_margin == 2);
  CHECK(resolved.origins.empty());
  // The workload's annotation beats the rule.
  facts.labels = {{"tier", "web"}};
  facts.annotations = {{"podfit.io/memory-limit-margin", "1.5"}, {"other.io/x", "y"}};
  resolved = resolve_policy(set, {"shop", "Deployment", "x"}, &facts);
  CHECK(resolved.options.memory_limit_margin == 1.5);
  CHECK(resolved.origins.back() ==
        "memory-limit-margin=1.5 from annotation podfit.io/memory-limit-margin");
  // Bad annotations: no recommendation, and the message names the workload's file:line.
  facts.annotations = {{"podfit.io/memory-limit-margin", "lots"}};
  CHECK_THAT(resolve_policy(set, {"shop", "Deployment", "x"}, &facts).error,
             Catch::StartsWith("app.yaml:1: annotation podfit.io/...: memory-limit-margin"));
  facts.annotations = {{"podfit.io/cpu-limt", "none"}};
  CHECK_THAT(resolve_policy(set, {"shop", "Deployment", "x"}, &facts).error,
             Catch::Contains("unknown policy setting \"cpu-limt\""));
  facts.annotations = {{"podfit.io/ignore", "yes"}};
  CHECK_THAT(resolve_policy(set, {"shop", "Deployment", "x"}, &facts).error,
             Catch::Contains("expected \"true\" or \"false\""));
  facts.annotations = {{"podfit.io/ignore", "true"}, {"podfit.io/values-path", "api.resources"}};
  resolved = resolve_policy(set, {"shop", "Deployment", "x"}, &facts);
  CHECK(resolved.ignored);
  CHECK(resolved.error.empty());
  facts.annotations = {{"podfit.io/half-life", "24h"}};
  CHECK_THAT(resolve_policy(set, {"shop", "Deployment", "x"}, &facts).error,
             Catch::Contains("one setting per run"));
  // Rules are checked when made.
  CHECK_THAT(
      make_rule("p.yaml:9 (rule)", "", "tier in (web", {{"qos", "guaranteed"}}).error().message,
      Catch::StartsWith("p.yaml:9 (rule): selector"));
  CHECK_THAT(make_rule("p.yaml:9 (rule)", "", "", {{"qos", "fast"}}).error().message,
             Catch::StartsWith("p.yaml:9 (rule): qos"));
}

Recommendation with_requests(const std::string& container, ContainerRole role, double current_cpu,
                             double recommended_cpu) {
  Recommendation r;
  r.stats = steady(container, 0.1, 100 * kMi);
  r.role = role;
  r.has_recommendation = true;
  if (current_cpu > 0) r.current.cpu_request = ResourceValue{current_cpu, "x"};
  r.recommended.cpu_request = round_cpu(recommended_cpu);
  r.recommended.memory_request = round_memory(100 * kMi);
  return r;
}

Autoscaler cpu_hpa(double target, const std::string& container = "") {
  Autoscaler hpa;
  hpa.ref = {"shop", "HorizontalPodAutoscaler", "api"};
  hpa.target = {"shop", "Deployment", "api"};
  hpa.metrics.push_back({"cpu", "Utilization", target, container, 10, 3, "/p"});
  return hpa;
}

TEST_CASE("an HPA's target follows the pod's summed requests", "[policy][rules]") {
  // Two containers: 400m + 100m now, 250m + 50m recommended: 80% x 500 / 300 = 133% is out
  // of bounds, so both requests grow by (0.8 x 500m / 0.9) / 300m: 250m -> 370.4 -> 371m,
  // 50m -> 74.07 -> 75m; then 80 x 500 / 446 = 89.7 -> 90%.
  Recommendation app = with_requests("app", ContainerRole::regular, 0.4, 0.25);
  Recommendation side = with_requests("proxy", ContainerRole::sidecar, 0.1, 0.05);
  WorkloadFacts facts;
  facts.autoscalers = {cpu_hpa(80)};
  std::vector<Recommendation*> all{&app, &side};
  apply_workload_rules(all, facts);
  CHECK(app.recommended.cpu_request->text == "371m");
  CHECK(side.recommended.cpu_request->text == "75m");
  REQUIRE(app.autoscaler_changes.size() == 1);
  CHECK(app.autoscaler_changes[0].to == 90);
  // In bounds: 400m -> 500m under 60% gives 60 x 400 / 500 = 48% -> out below; 400m ->
  // 350m gives 68.6 -> 69%.
  Recommendation single = with_requests("app", ContainerRole::regular, 0.4, 0.35);
  facts.autoscalers = {cpu_hpa(60, "app")};
  std::vector<Recommendation*> one{&single};
  apply_workload_rules(one, facts);
  CHECK(single.recommended.cpu_request->text == "350m");
  REQUIRE(single.autoscaler_changes.size() == 1);
  CHECK(single.autoscaler_changes[0].to == 69);
  // No current request: the HPA cannot measure utilization; nothing changes, it says why.
  Recommendation bare = with_requests("app", ContainerRole::regular, 0, 0.35);
  std::vector<Recommendation*> none{&bare};
  apply_workload_rules(none, facts);
  CHECK(bare.autoscaler_changes.empty());
  CHECK_THAT(bare.reason, Catch::Contains("has no current request"));
}

TEST_CASE("an init container's CPU request stays within the app's", "[policy][rules]") {
  Recommendation app = with_requests("app", ContainerRole::regular, 0, 0.3);
  Recommendation init = with_requests("migrate", ContainerRole::init, 0, 2.0);
  WorkloadFacts facts;
  std::vector<Recommendation*> all{&app, &init};
  apply_workload_rules(all, facts);
  CHECK(init.recommended.cpu_request->text == "300m");
  CHECK(app.recommended.cpu_request->text == "300m");
}

}  // namespace
}  // namespace podfit::policy

namespace podfit::policy {
namespace {

// The shape real charts write: flags in a folded scalar, one per line.
TEST_CASE("a heap set in a folded JAVA_TOOL_OPTIONS is found", "[policy][rules]") {
  auto file = manifest::parse_manifest("d.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: pay}
spec:
  selector: {matchLabels: {app: pay}}
  template:
    metadata: {labels: {app: pay}}
    spec:
      containers:
        - name: api
          env:
            - name: JAVA_TOOL_OPTIONS
              value: >-
                -XX:MaxRAMPercentage=70
                -XX:InitialRAMPercentage=50
                -XX:+ExitOnOutOfMemoryError
)");
  REQUIRE(file);
  const manifest::ContainerSpec& spec = file->workloads.at(0).containers.at(0);
  auto heap = find_runtime_heap(ContainerFacts{spec.name, ContainerRole::regular,
                                               spec.command_line, spec.env});
  REQUIRE(heap);
  CHECK(heap->percent == 70);
  CHECK(heap->flag == "-XX:MaxRAMPercentage=70");
}

}  // namespace
}  // namespace podfit::policy

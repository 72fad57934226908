// strategic_patches: exact text for small cases, and kubectl agreeing with
// apply_changes on every single-workload golden case.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "manifest/golden_cases.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/quantity/quantity.hpp"
#include "support/support.hpp"

namespace podfit::manifest::test {
namespace {

using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;
using podfit::test::write_file;

Resources requests(const char* cpu, const char* memory) {
  Resources resources;
  if (cpu) resources.cpu_request = value_of(cpu);
  if (memory) resources.memory_request = value_of(memory);
  return resources;
}

TEST_CASE("strategic_patches writes one commented document per changed workload", "[manifest]") {
  std::string seed =
      podfit::test::source_dir() + "/fixtures/manifests/01-seed-deployment/input.yaml";
  auto file = load_manifest(seed);
  REQUIRE(file);
  Resources target = requests("25m", "64Mi");
  target.memory_limit = value_of("128Mi");
  WorkloadRef ref{"sample", "Deployment", "sample-app-node-api-deployment"};
  CHECK(strategic_patches(file->workloads, {{ref, "sample-app-node-api", target}}) ==
        "# Deployment sample/sample-app-node-api-deployment (" + seed +
            ")\n# kubectl -n sample patch deployment sample-app-node-api-deployment --type "
            "strategic -p 'spec: {template: {spec: {containers: [{name: sample-app-node-api, "
            "resources: {requests: {cpu: 25m, memory: 64Mi}, limits: {cpu: null, memory: "
            "128Mi}}}]}}}'\nspec: {template: {spec: {containers: [{name: sample-app-node-api, "
            "resources: {requests: {cpu: 25m, memory: 64Mi}, limits: {cpu: null, memory: "
            "128Mi}}}]}}}\n");

  // Unchanged targets produce nothing.
  CHECK(strategic_patches(file->workloads,
                          {{ref, "sample-app-node-api", file->workloads[0].containers[0].current}})
            .empty());
}

TEST_CASE("strategic_patches nests CronJob, Pod and init containers", "[manifest]") {
  std::string text =
      "kind: CronJob\nmetadata: {name: c, namespace: n}\nspec:\n  jobTemplate:\n    spec:\n"
      "      template:\n        spec:\n          containers: [{name: main}]\n---\n"
      "kind: Pod\nmetadata: {name: p}\nspec:\n  initContainers: [{name: init}]\n"
      "  containers: [{name: app}, {name: \"odd:name\"}]\n";
  auto file = parse_manifest("mix.yaml", text);
  REQUIRE(file);
  std::vector<ContainerChange> changes = {
      {WorkloadRef{"n", "CronJob", "c"}, "main", requests("1", nullptr)},
      {WorkloadRef{"", "Pod", "p"}, "init", requests(nullptr, "1Gi")},
      {WorkloadRef{"", "Pod", "p"}, "odd:name", requests("2m", nullptr)}};
  CHECK(strategic_patches(file->workloads, changes) ==
        "# CronJob n/c (mix.yaml)\n"
        "# kubectl -n n patch cronjob c --type strategic -p 'spec: {jobTemplate: {spec: "
        "{template: {spec: {containers: [{name: main, resources: {requests: {cpu: 1}}}]}}}}}'\n"
        "spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: main, resources: "
        "{requests: {cpu: 1}}}]}}}}}\n"
        "---\n"
        "# Pod p (mix.yaml): no patch: the pod spec of a Pod cannot be changed in place; apply "
        "the edited manifest (podfit patch --write) and re-create it\n");
}

// A resource value from kubectl's JSON (a string, or a number for a plain YAML int).
std::optional<double> json_amount(const nlohmann::json& resources, const char* section,
                                  const char* name) {
  if (!resources.contains(section) || !resources[section].contains(name)) return std::nullopt;
  const auto& value = resources[section][name];
  auto parsed = quantity::parse(value.is_string() ? value.get<std::string>() : value.dump());
  REQUIRE(parsed);
  return parsed->value();
}

std::optional<double> amount(const std::optional<ResourceValue>& value) {
  return value ? std::optional<double>(value->amount) : std::nullopt;
}

const nlohmann::json& pod_spec(const nlohmann::json& object) {
  const std::string kind = object["kind"];
  if (kind == "Pod") return object["spec"];
  if (kind == "CronJob") return object["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  return object["spec"]["template"]["spec"];
}

TEST_CASE("kubectl patch with strategic_patches matches apply_changes", "[manifest]") {
  if (!std::filesystem::exists("/usr/bin/kubectl")) {
    WARN("/usr/bin/kubectl is missing; skipping the kubectl comparison");
    return;
  }
  TempDir dir;
  write_file(dir / "kubeconfig", "");
  int compared = 0;
  for (const auto& golden : golden_cases()) {
    auto file = load_manifest(golden.dir + "/input.yaml");
    REQUIRE(file);
    // kubectl patch -f applies the patch to every object in the file.
    auto documents = YAML::LoadAll(file->text);
    if (file->workloads.size() != 1 || documents.size() != 1 ||
        documents[0]["kind"].Scalar() == "List" || file->workloads[0].ref.kind == "Pod" ||
        file->workloads[0].ref.kind == "Job") {
      continue;  // a Job's or Pod's pod spec is not patched in place
    }
    INFO(golden.name);
    auto patched = apply_changes(*file, golden.changes);
    REQUIRE(patched);
    std::string patch = strategic_patches(file->workloads, golden.changes);
    REQUIRE_FALSE(patch.empty());
    INFO(patch);
    auto result = run_command("KUBECONFIG=" + shell_quote((dir / "kubeconfig").string()) +
                              " /usr/bin/kubectl patch --local -f " + shell_quote(file->path) +
                              " --type strategic -p " + shell_quote(patch) + " -o json");
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    nlohmann::json object = nlohmann::json::parse(result.out);

    auto edited = container_nodes(YAML::LoadAll(*patched));
    const nlohmann::json& spec = pod_spec(object);
    for (const char* list : {"initContainers", "containers"}) {
      if (!spec.contains(list)) continue;
      for (const auto& container : spec[list]) {
        std::string key = container_key(file->workloads[0].ref, container["name"]);
        auto found = std::find_if(edited.begin(), edited.end(),
                                  [&](const auto& node) { return node.first == key; });
        REQUIRE(found != edited.end());
        INFO(key);
        Resources expected = resources_of(found->second);
        nlohmann::json resources = container.value("resources", nlohmann::json::object());
        CHECK(json_amount(resources, "requests", "cpu") == amount(expected.cpu_request));
        CHECK(json_amount(resources, "requests", "memory") == amount(expected.memory_request));
        CHECK(json_amount(resources, "limits", "cpu") == amount(expected.cpu_limit));
        CHECK(json_amount(resources, "limits", "memory") == amount(expected.memory_limit));
        ++compared;
      }
    }
  }
  CHECK(compared >= 20);
}

}  // namespace
}  // namespace podfit::manifest::test

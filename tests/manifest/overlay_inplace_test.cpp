// plan_overlay_edits on the overlay patches it must not edit in place (the new patch file
// decides over them, and its `why` says so), and byte-exact edits of inline patches.
#include <catch2/catch.hpp>

#include <filesystem>

#include "podfit/manifest/manifest.hpp"
#include "podfit/manifest/overlay.hpp"
#include "support/support.hpp"

using namespace podfit;
using podfit::test::TempDir;
using podfit::test::write_file;

namespace {

Resources target() {
  Resources resources;
  resources.cpu_request = ResourceValue{0.25, "250m"};
  resources.memory_request = ResourceValue{256.0 * 1024 * 1024, "256Mi"};
  resources.memory_limit = ResourceValue{512.0 * 1024 * 1024, "512Mi"};
  return resources;
}

// What `kubectl kustomize` would print for Deployments `names`, each with container app.
std::vector<manifest::Workload> rendered(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
            "\n  namespace: prod\nspec:\n  template:\n    spec:\n      containers:\n"
            "      - name: app\n        image: x\n";
  }
  auto file = manifest::parse_manifest("rendered", text);
  REQUIRE(file);
  return file->workloads;
}

manifest::RenderedChange change_of(const std::string& name) {
  return {WorkloadRef{"prod", "Deployment", name}, "apps/v1", "app", target()};
}

const manifest::FileEdit* edit_of(const manifest::OverlayPlan& plan, const std::string& file) {
  for (const manifest::FileEdit& edit : plan.edits) {
    if (std::filesystem::path(edit.path).filename() == file) return &edit;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a patchesJson6902 remove is not edited and the new patch says it cannot decide",
          "[manifest][kustomize]") {
  TempDir dir;
  write_file(dir / "kustomization.yaml",
             "resources:\n- ../base\npatchesJson6902:\n- target: {kind: Deployment, name: api}\n"
             "  path: ops.yaml\n");
  const std::string ops = "- op: remove\n  path: /spec/template/spec/containers/0/resources\n";
  write_file(dir / "ops.yaml", ops);
  auto plan =
      manifest::plan_overlay_edits(dir.path().string(), {change_of("api")}, rendered({"api"}));
  REQUIRE(plan);
  CHECK(edit_of(*plan, "ops.yaml") == nullptr);
  const manifest::FileEdit* created = edit_of(*plan, "podfit-resources.yaml");
  REQUIRE(created != nullptr);
  CHECK_THAT(created->why,
             Catch::Contains("ops.yaml:1: `op: remove` at /spec/template/spec/containers/0/"
                             "resources cannot be edited in place") &&
                 Catch::Contains("kustomize applies patchesJson6902 after `patches`, so that op "
                                 "still decides: edit it by hand"));
  CHECK(podfit::test::read_file(dir / "ops.yaml") == ops);
  REQUIRE(plan->unsettled.size() == 1);
  CHECK_THAT(plan->unsettled[0], Catch::StartsWith("Deployment/api container app: ") &&
                                     Catch::EndsWith("edit it by hand"));
}

TEST_CASE("an op that also sets another workload, or a value the target drops, is not edited",
          "[manifest][kustomize]") {
  TempDir dir;
  const std::string kustomization =
      "resources:\n- ../base\npatches:\n- target:\n    kind: Deployment\n  patch: |-\n"
      "    - op: replace\n      path: /spec/template/spec/containers/0/resources/limits/memory\n"
      "      value: 1Gi\n"
      "- target:\n    name: api\n  patch: |-\n"
      "    - op: add\n      path: /spec/template/spec/containers/0/resources/limits/cpu\n"
      "      value: 2\n";
  write_file(dir / "kustomization.yaml", kustomization);
  auto plan = manifest::plan_overlay_edits(dir.path().string(), {change_of("api")},
                                           rendered({"api", "web"}));
  REQUIRE(plan);
  const manifest::FileEdit* created = edit_of(*plan, "podfit-resources.yaml");
  REQUIRE(created != nullptr);
  CHECK_THAT(created->why,
             Catch::Contains("it also sets Deployment/web container app, which podfit does not "
                             "change") &&
                 Catch::Contains("the recommendation sets no limits.cpu"));
  const manifest::FileEdit* listed = edit_of(*plan, "kustomization.yaml");
  REQUIRE(listed != nullptr);
  CHECK(listed->after == kustomization + "- path: podfit-resources.yaml\n");  // ops unchanged
}

TEST_CASE("an inline patch is edited byte for byte in a CRLF kustomization, a folded one not",
          "[manifest][kustomize]") {
  TempDir dir;
  std::string kustomization =
      "resources:\r\n- ../base\r\npatches:\r\n- patch: |\r\n    kind: Deployment\r\n"
      "    metadata: {name: api}\r\n    spec:\r\n      template:\r\n        spec:\r\n"
      "          containers:\r\n          - name: app  # the app\r\n"
      "            resources:\r\n              requests: {cpu: 1}\r\n"
      "              limits: {memory: 1Gi}\r\n\r\n"
      "- patch: >-\r\n    kind: Deployment\r\n";
  write_file(dir / "kustomization.yaml", kustomization);
  auto plan =
      manifest::plan_overlay_edits(dir.path().string(), {change_of("api")}, rendered({"api"}));
  REQUIRE(plan);
  REQUIRE(plan->edits.size() == 1);
  std::string expected = kustomization;
  std::string from = "requests: {cpu: 1}", to = "requests: {cpu: 250m, memory: 256Mi}";
  expected.replace(expected.find(from), from.size(), to);
  from = "limits: {memory: 1Gi}";
  to = "limits: {memory: 512Mi}";
  expected.replace(expected.find(from), from.size(), to);
  CHECK(plan->edits[0].after == expected);
  CHECK(plan->edits[0].why == "the overlay's kustomization: its inline patch");
}

TEST_CASE("a patches target sees the base's names and a patchesJson6902 one the rendered too",
          "[manifest][kustomize]") {
  TempDir dir;
  const std::string op =
      "  patch: |-\n    - op: replace\n"
      "      path: /spec/template/spec/containers/0/resources/limits/memory\n"
      "      value: 1Gi\n";
  const std::string kustomization =
      "namePrefix: prod-\nresources:\n- ../base\npatches:\n"
      "- target: {kind: Deployment, name: prod-api}\n" +
      op + "patchesJson6902:\n- target: {name: prod-api}\n" + op;
  write_file(dir / "kustomization.yaml", kustomization);
  manifest::RenderedChange change = change_of("prod-api");
  change.target.cpu_request.reset();
  change.target.memory_request.reset();
  auto plan = manifest::plan_overlay_edits(dir.path().string(), {change}, rendered({"prod-api"}));
  REQUIRE(plan);
  REQUIRE(plan->edits.size() == 1);  // the op under `patches` does not reach prod-api
  std::string expected = kustomization;
  expected.replace(expected.rfind("value: 1Gi"), 10, "value: 512Mi");
  CHECK(plan->edits[0].after == expected);
}

TEST_CASE("an op that a later strategic-merge patch overrides does not need the new patch",
          "[manifest][kustomize]") {
  TempDir dir;
  const std::string kustomization =
      "resources:\n- ../base\npatches:\n- target: {kind: Deployment, name: api}\n"
      "  patch: |-\n    - op: remove\n      path: /spec/template/spec/containers/0/resources\n"
      "- path: sizes.yaml\n";
  write_file(dir / "kustomization.yaml", kustomization);
  write_file(dir / "sizes.yaml",
             "kind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
             "      containers:\n      - name: app\n        resources: {}\n");
  auto plan =
      manifest::plan_overlay_edits(dir.path().string(), {change_of("api")}, rendered({"api"}));
  REQUIRE(plan);
  REQUIRE(plan->edits.size() == 1);
  CHECK(plan->edits[0].why == "the overlay's patch");
  CHECK_THAT(plan->edits[0].after,
             Catch::Contains("resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: "
                             "512Mi}}"));
}

TEST_CASE("an op before a patch that may add containers is not edited: its index may shift",
          "[manifest][kustomize]") {
  TempDir dir;
  // Kustomize puts the sidecar the second patch adds first, so the render's container 0 is
  // not the one the op saw.
  const std::string kustomization =
      "resources:\n- ../base\npatches:\n- target: {kind: Deployment, name: api}\n"
      "  patch: |-\n    - op: add\n"
      "      path: /spec/template/spec/containers/0/resources\n      value: {}\n"
      "- patch: |-\n    kind: Deployment\n    metadata: {name: api}\n    spec:\n"
      "      template:\n        spec:\n          containers:\n          - name: side\n"
      "            image: side:1\n";
  write_file(dir / "kustomization.yaml", kustomization);
  auto plan =
      manifest::plan_overlay_edits(dir.path().string(), {change_of("api")}, rendered({"api"}));
  REQUIRE(plan);
  const manifest::FileEdit* created = edit_of(*plan, "podfit-resources.yaml");
  REQUIRE(created != nullptr);
  CHECK_THAT(created->why, Catch::Contains("a later patch may add, remove or reorder containers"));
  const manifest::FileEdit* listed = edit_of(*plan, "kustomization.yaml");
  REQUIRE(listed != nullptr);
  CHECK(listed->after == kustomization + "- path: podfit-resources.yaml\n");
}

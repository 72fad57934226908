// apply_changes against hand-written expected files (fixtures/manifests/*).
#include <string>

#include <catch2/catch.hpp>

#include "manifest/golden_cases.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"
#include "support/support.hpp"

namespace podfit::manifest::test {
namespace {

using podfit::test::read_file;

bool names_container(const ManifestFile& file, const ContainerChange& change) {
  for (const auto& workload : file.workloads) {
    if (workload.ref != change.workload) continue;
    for (const auto& container : workload.containers) {
      if (container.name == change.container) return true;
    }
  }
  return false;
}

TEST_CASE("golden cases: apply_changes produces the hand-written files byte for byte",
          "[manifest]") {
  auto cases = golden_cases();
  REQUIRE(cases.size() >= 17);
  for (const auto& golden : cases) {
    SECTION(golden.name) {
      auto file = load_manifest(golden.dir + "/input.yaml");
      REQUIRE(file);
      for (const auto& change : golden.changes) {
        INFO(change.workload.display() + " " + change.container);
        CHECK(names_container(*file, change));  // guards against typos in change.txt
      }
      auto patched = apply_changes(*file, golden.changes);
      REQUIRE(patched);
      std::string expected = read_file(golden.dir + "/expected.yaml");
      INFO(unified_diff("expected.yaml", expected, *patched, false));
      CHECK(*patched == expected);

      // Applying the same targets again changes nothing.
      auto again = parse_manifest("expected.yaml", expected);
      REQUIRE(again);
      auto repatched = apply_changes(*again, golden.changes);
      REQUIRE(repatched);
      CHECK(*repatched == expected);
    }
  }
}

TEST_CASE("golden cases: apply_changes without the load's layout, or with a stale one, reparses",
          "[manifest]") {
  for (const auto& golden : golden_cases()) {
    SECTION(golden.name) {
      auto file = load_manifest(golden.dir + "/input.yaml");
      REQUIRE(file);
      REQUIRE(file->layout);
      std::string expected = read_file(golden.dir + "/expected.yaml");

      ManifestFile without = *file;
      without.layout = nullptr;
      auto patched = apply_changes(without, golden.changes);
      REQUIRE(patched);
      CHECK(*patched == expected);

      // The layout of input.yaml does not describe expected.yaml: positions differ.
      ManifestFile stale = *file;
      stale.text = expected;
      auto repatched = apply_changes(stale, golden.changes);
      REQUIRE(repatched);
      CHECK(*repatched == expected);

      // A comment line in front moves every position the layout holds.
      if (!file->text.starts_with("\xEF\xBB\xBF")) {
        std::size_t newline = file->text.find('\n');
        bool crlf = newline != std::string::npos && newline > 0 && file->text[newline - 1] == '\r';
        std::string comment = crlf ? "# moved\r\n" : "# moved\n";
        ManifestFile shifted = *file;
        shifted.text = comment + file->text;
        auto moved = apply_changes(shifted, golden.changes);
        REQUIRE(moved);
        CHECK(*moved == comment + expected);
      }
    }
  }
}

TEST_CASE("apply_changes ignores workloads and containers not in the file", "[manifest]") {
  auto file = load_manifest(podfit::test::source_dir() +
                            "/fixtures/manifests/01-seed-deployment/input.yaml");
  REQUIRE(file);
  Resources target;
  target.cpu_request = ResourceValue{0.5, "500m"};
  std::vector<ContainerChange> changes = {
      {WorkloadRef{"other", "Deployment", "sample-app-node-api-deployment"}, "sample-app-node-api",
       target},
      {WorkloadRef{"sample", "Deployment", "sample-app-node-api-deployment"}, "no-such-container",
       target}};
  auto patched = apply_changes(*file, changes);
  REQUIRE(patched);
  CHECK(*patched == file->text);
}

TEST_CASE("apply_changes formats a target given only as an amount", "[manifest]") {
  std::string text =
      "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n";
  auto file = parse_manifest("pod.yaml", text);
  REQUIRE(file);
  Resources target;
  target.cpu_request = ResourceValue{0.25, ""};
  target.memory_limit = ResourceValue{96.0 * 1024 * 1024, ""};
  auto patched = apply_changes(*file, {{WorkloadRef{"", "Pod", "p"}, "c", target}});
  REQUIRE(patched);
  CHECK(*patched == text +
                        "    resources:\n      requests:\n        cpu: 250m\n"
                        "      limits:\n        memory: 96Mi\n");
}

TEST_CASE("apply_changes keeps a file without a final newline that way", "[manifest]") {
  std::string text =
      "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x";
  auto file = parse_manifest("pod.yaml", text);
  REQUIRE(file);
  Resources target;
  target.cpu_request = ResourceValue{0.001, "1m"};
  auto patched = apply_changes(*file, {{WorkloadRef{"", "Pod", "p"}, "c", target}});
  REQUIRE(patched);
  CHECK(*patched == text + "\n    resources:\n      requests:\n        cpu: 1m");

  // And removing the block again restores the original bytes.
  auto back = parse_manifest("pod.yaml", *patched);
  REQUIRE(back);
  auto restored = apply_changes(*back, {{WorkloadRef{"", "Pod", "p"}, "c", Resources{}}});
  REQUIRE(restored);
  CHECK(*restored == text);
}

std::string patch_pod(const std::string& text, const Resources& target) {
  auto file = parse_manifest("pod.yaml", text);
  REQUIRE(file);
  auto patched = apply_changes(*file, {{WorkloadRef{"", "Pod", "p"}, "c", target}});
  REQUIRE(patched);
  return *patched;
}

TEST_CASE("apply_changes removes a block that shares the line of its `- `", "[manifest]") {
  std::string head = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n";
  CHECK(
      patch_pod(head + "  - resources:\n      limits:\n        cpu: 1\n    name: c\n    image: x\n",
                Resources{}) == head + "  - name: c\n    image: x\n");
}

TEST_CASE("apply_changes removes runs of flow entries with their commas", "[manifest]") {
  std::string head = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n";
  Resources memory_only;
  memory_only.memory_limit = ResourceValue{2.0 * (1 << 30), "2Gi"};
  CHECK(patch_pod(head + "    resources: {limits: {cpu: 1, memory: 2Gi, nvidia.com/gpu: 1}}\n",
                  memory_only) ==
        head + "    resources: {limits: {memory: 2Gi, nvidia.com/gpu: 1}}\n");
  CHECK(patch_pod(head + "    resources: {limits: {nvidia.com/gpu: 1, cpu: 1, memory: 2Gi}}\n",
                  Resources{}) == head + "    resources: {limits: {nvidia.com/gpu: 1}}\n");
  CHECK(patch_pod(head + "    resources: {requests: {cpu: 1}, limits: {memory: 1Gi}}  # x\n",
                  Resources{}) == head);
}

TEST_CASE("apply_changes refuses to edit resources shared through an anchor", "[manifest]") {
  std::string text =
      "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
      "  - name: a\n    resources: &shared\n      requests:\n        cpu: 1m\n"
      "  - name: b\n    resources: *shared\n";
  auto file = parse_manifest("shared.yaml", text);
  REQUIRE(file);
  Resources target;
  target.cpu_request = ResourceValue{0.002, "2m"};
  for (const char* container : {"a", "b"}) {
    auto patched = apply_changes(*file, {{WorkloadRef{"", "Pod", "p"}, container, target}});
    REQUIRE_FALSE(patched);
    CHECK_THAT(patched.error().message, Catch::Contains("shared.yaml:"));
    CHECK_THAT(patched.error().message, Catch::Contains("anchor or alias"));
  }
}

}  // namespace
TEST_CASE("apply_changes refuses a container another one reuses through <<: or an alias",
          "[manifest]") {
  for (const std::string& reuse :
       {std::string("  - <<: *base\n    name: b\n"), std::string("  - *base\n")}) {
    std::string text =
        "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "  - &base\n    name: a\n    image: a\n    resources:\n      requests:\n        cpu: 1m\n" +
        reuse;
    INFO(text);
    auto file = parse_manifest("merge.yaml", text);
    REQUIRE(file);
    Resources target;
    target.cpu_request = ResourceValue{0.002, "2m"};
    auto patched = apply_changes(*file, {{WorkloadRef{"", "Pod", "p"}, "a", target}});
    REQUIRE_FALSE(patched);
    CHECK_THAT(patched.error().message,
               Catch::StartsWith("merge.yaml:6:") && Catch::Contains("YAML anchor"));
  }
}

}  // namespace podfit::manifest::test

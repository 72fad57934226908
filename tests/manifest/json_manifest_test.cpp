// JSON manifests: found in folders like kubectl finds them, and edited into valid JSON.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"
#include "support/support.hpp"

using namespace podfit;

namespace {

constexpr const char* kJson = R"({
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "app", "namespace": "web"},
  "spec": {
    "selector": {"matchLabels": {"app": "app"}},
    "template": {
      "metadata": {"labels": {"app": "app"}},
      "spec": {
        "containers": [
          {"name": "php", "image": "php", "resources": {"requests": {"cpu": "10m"}}},
          {
            "name": "side",
            "image": "side"
          }
        ]
      }
    }
  }
}
)";

Resources target() {
  Resources resources;
  resources.cpu_request = ResourceValue{0.058, "58m"};
  resources.memory_request = ResourceValue{115.0 * 1024 * 1024, "115Mi"};
  resources.cpu_limit = ResourceValue{1, "1"};
  return resources;
}

}  // namespace

TEST_CASE("JSON manifests are read from folders and stay JSON when edited", "[manifest]") {
  test::TempDir dir;
  test::write_file(dir / "app.json", kJson);
  test::write_file(dir / "notes.txt", "not a manifest");
  auto paths = manifest::expand_paths({dir.path().string()});
  REQUIRE(paths);
  REQUIRE(paths->size() == 1);
  auto file = manifest::load_manifest(paths->front());
  REQUIRE(file);
  REQUIRE(file->workloads.size() == 1);
  WorkloadRef ref{"web", "Deployment", "app"};
  auto edited = manifest::apply_changes(*file, {{ref, "php", target()}, {ref, "side", target()}});
  INFO((edited ? *edited : edited.error().message));
  REQUIRE(edited);
  nlohmann::json parsed = nlohmann::json::parse(*edited);  // throws unless valid JSON
  for (int i = 0; i < 2; ++i) {
    const nlohmann::json& resources =
        parsed["spec"]["template"]["spec"]["containers"][i]["resources"];
    INFO(i);
    CHECK(resources["requests"]["cpu"] == "58m");
    CHECK(resources["requests"]["memory"] == "115Mi");
    CHECK(resources["limits"]["cpu"] == "1");  // a string, as a quantity in JSON must be
  }
}

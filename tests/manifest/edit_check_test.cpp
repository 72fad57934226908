// The guard behind every edit: the result parses and only containers' resources differ.
#include <catch2/catch.hpp>

#include <string>

#include "manifest/yaml_walk.hpp"

using podfit::manifest::detail::check_only_resources_changed;

namespace {

constexpr const char* kBefore = R"(kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
        resources:
          requests: {cpu: 10m}
      initContainers:
      - name: init
        image: init
---
kind: ConfigMap
data:
  resources: "not a container's"
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("an edit may change containers' resources and nothing else", "[manifest]") {
  CHECK(check_only_resources_changed("a.yaml", kBefore, kBefore));
  // Resources changed, added to the init container: fine.
  std::string after = replaced(kBefore, "{cpu: 10m}", "{cpu: 20m, memory: 64Mi}");
  after = replaced(after, "        image: init\n",
                   "        image: init\n        resources:\n          limits: {cpu: 1}\n");
  CHECK(check_only_resources_changed("a.yaml", kBefore, after));

  auto broken = check_only_resources_changed(
      "a.yaml", kBefore, replaced(kBefore, "        image: app:1", "        image: [app"));
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::StartsWith("a.yaml: the edited file would not parse") &&
                                         Catch::Contains("left untouched"));

  auto image = check_only_resources_changed("a.yaml", kBefore,
                                            replaced(kBefore, "image: app:1", "image: app:2"));
  REQUIRE_FALSE(image);
  CHECK_THAT(image.error().message,
             Catch::StartsWith("a.yaml:9: the edit would change more than resource values"));

  // A `resources` key that is not a container's is data like any other.
  auto other = check_only_resources_changed("a.yaml", kBefore,
                                            replaced(kBefore, "\"not a container's\"", "changed"));
  REQUIRE_FALSE(other);
  CHECK_THAT(other.error().message, Catch::StartsWith("a.yaml:18:"));

  auto dropped = check_only_resources_changed(
      "a.yaml", kBefore, std::string(kBefore).substr(0, std::string(kBefore).find("---")));
  CHECK_FALSE(dropped);
}

TEST_CASE("an edit whose values would read back wrong is refused", "[manifest]") {
  using namespace podfit;
  Resources target;
  target.cpu_request = ResourceValue{0.058, "58m"};
  target.memory_request = ResourceValue{115.0 * 1024 * 1024, "115Mi"};
  WorkloadRef ref{"web", "Pod", "p"};
  std::string head =
      "kind: Pod\nmetadata:\n  name: p\n  namespace: web\nspec:\n  containers:\n"
      "  - name: php\n    resources:\n      requests:\n";
  // A folded scalar continued on the next line: the new value would read "115Mi 128Mi".
  // A key with no value: the edit would not parse.
  for (const std::string& requests : {std::string("        cpu: 10m\n        memory: >-\n"
                                                  "          128Mi\n"),
                                      std::string("        cpu:\n")}) {
    INFO(requests);
    auto file = manifest::parse_manifest("odd.yaml", head + requests);
    REQUIRE(file);
    auto edited = manifest::apply_changes(*file, {{ref, "php", target}});
    REQUIRE_FALSE(edited);
    CHECK_THAT(edited.error().message,
               Catch::StartsWith("odd.yaml") && Catch::Contains("left untouched"));
  }
}

TEST_CASE("a resource key given twice is refused, not edited in one place", "[manifest][hostile]") {
  using namespace podfit;
  Resources target;
  target.cpu_request = ResourceValue{0.058, "58m"};
  WorkloadRef ref{"web", "Pod", "p"};
  // kubectl applies the last `cpu` (900m); editing the first would change nothing real.
  std::string text =
      "kind: Pod\nmetadata:\n  name: p\n  namespace: web\nspec:\n  containers:\n"
      "  - name: php\n    resources:\n      requests:\n        cpu: 100m\n        cpu: 900m\n";
  auto file = manifest::parse_manifest("twice.yaml", text);
  REQUIRE(file);
  auto edited = manifest::apply_changes(*file, {{ref, "php", target}});
  REQUIRE_FALSE(edited);
  CHECK_THAT(edited.error().message,
             Catch::StartsWith("twice.yaml:11: `cpu` is given twice in this map (also on line 10)"));
}

// apply_values_change and plan_overlay_edits on input they must refuse, and the values
// edit itself, byte for byte.
#include <catch2/catch.hpp>

#include <filesystem>

#include "podfit/manifest/helm.hpp"
#include "podfit/manifest/overlay.hpp"
#include "support/support.hpp"

using namespace podfit;
using podfit::test::TempDir;
using podfit::test::write_file;

namespace {

Resources target() {
  Resources resources;
  resources.cpu_request = ResourceValue{0.25, "250m"};
  resources.memory_limit = ResourceValue{512.0 * 1024 * 1024, "512Mi"};
  return resources;
}

}  // namespace

TEST_CASE("a values path is edited in place, and refused where it is not a map",
          "[manifest][helm]") {
  std::string text =
      "# top\napi:\n  tag: \"2\"  # kept\n  resources:\n    requests:\n      cpu: 1\n";
  auto edited = manifest::apply_values_change("v.yaml", text, {"api"}, target());
  REQUIRE(edited);
  CHECK(*edited ==
        "# top\napi:\n  tag: \"2\"  # kept\n  resources:\n    requests:\n      cpu: 250m\n"
        "    limits:\n      memory: 512Mi\n");

  auto scalar = manifest::apply_values_change("v.yaml", "api: 5\n", {"api"}, target());
  REQUIRE_FALSE(scalar);
  CHECK_THAT(scalar.error().message,
             Catch::Contains("v.yaml:1") && Catch::Contains("`api` is not a mapping"));
  auto list = manifest::apply_values_change("v.yaml", "- a\n- b\n", {"api"}, target());
  REQUIRE_FALSE(list);
  CHECK_THAT(list.error().message,
             Catch::Contains("v.yaml: a values file must be one YAML mapping"));
  auto broken = manifest::apply_values_change("v.yaml", "api: [1,\n", {"api"}, target());
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::Contains("v.yaml:") && Catch::Contains("invalid YAML"));
}

TEST_CASE("an overlay whose patches podfit cannot add to is refused, naming the file",
          "[manifest][kustomize]") {
  TempDir dir;
  write_file(dir / "kustomization.yaml", "resources:\n- ../base\npatches: [{path: other.yaml}]\n");
  manifest::RenderedChange change{WorkloadRef{"prod", "Deployment", "api"}, "apps/v1", "app",
                                  target()};
  auto plan = manifest::plan_overlay_edits(dir.path().string(), {change});
  REQUIRE_FALSE(plan);
  CHECK_THAT(plan.error().message, Catch::Contains("kustomization.yaml: `patches:` is not a block "
                                                   "list podfit can add to"));
  CHECK_FALSE(std::filesystem::exists(dir / "podfit-resources.yaml"));  // nothing written
  auto none = manifest::plan_overlay_edits((dir / "nowhere").string(), {change});
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().message, Catch::Contains("no kustomization.yaml"));
}

TEST_CASE("a values scalar is replaced or added byte for byte, and refused where it is empty",
          "[manifest][helm]") {
  const std::string text = "web:\n  hpa:\n    cpu: 60   # percent\n  image: web:1\n";
  auto replaced = manifest::apply_values_scalar("v.yaml", text, {"web", "hpa", "cpu"}, "74");
  REQUIRE(replaced);
  CHECK(*replaced == "web:\n  hpa:\n    cpu: 74   # percent\n  image: web:1\n");
  auto added = manifest::apply_values_scalar("v.yaml", text, {"web", "hpa", "memory"}, "80");
  REQUIRE(added);
  CHECK(*added == "web:\n  hpa:\n    cpu: 60   # percent\n    memory: 80\n  image: web:1\n");
  auto nested = manifest::apply_values_scalar("v.yaml", "api: {}\n", {"web", "hpa", "cpu"}, "74");
  REQUIRE(nested);
  CHECK(*nested == "api: {}\nweb:\n  hpa:\n    cpu: 74\n");
  // A file that is not one mapping (empty, a list) is refused, as for resources.
  CHECK_FALSE(manifest::apply_values_scalar("v.yaml", "# none yet\n", {"web"}, "1"));
  // An empty value or a map where the number goes: said, with file:line, and nothing made.
  auto empty = manifest::apply_values_scalar("v.yaml", "web:\n  hpa:\n    cpu:\n",
                                             {"web", "hpa", "cpu"}, "74");
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.error().message,
             Catch::StartsWith("v.yaml:3:") && Catch::Contains("set it to 74 by hand"));
  auto map =
      manifest::apply_values_scalar("v.yaml", "web:\n  hpa: 3\n", {"web", "hpa", "cpu"}, "74");
  REQUIRE_FALSE(map);
  CHECK_THAT(map.error().message, Catch::StartsWith("v.yaml:2:"));
  CHECK_FALSE(manifest::apply_values_scalar("v.yaml", "- a\n", {"web"}, "1"));
}

// The first pass over YAML streams: runaway inputs are refused before yaml-cpp builds
// anything; ordinary ones (anchors included) pass.
#include <catch2/catch.hpp>

#include <string>

#include "podfit/manifest/manifest.hpp"
#include "podfit/yaml/stream_check.hpp"
#include "podfit/yaml/yaml_json.hpp"

using podfit::yaml::check_stream;

TEST_CASE("streams that make yaml-cpp 0.7 loop are refused", "[yaml][security]") {
  // Each made LoadAll allocate until the OOM killer came (24 GB).
  for (const std::string text : {",", "{ {}},", "\n,\n", "- a\n,\n"}) {
    INFO(text);
    auto checked = check_stream(text, "x.yaml");
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message == "x.yaml: invalid YAML (the parser stopped reading it)");
    auto manifest = podfit::manifest::parse_manifest("x.yaml", text);
    CHECK_FALSE(manifest);
  }
}

TEST_CASE("alias bombs and deep nesting are refused", "[yaml][security]") {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 8; ++level) {
    bomb += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *a" : "*a") + std::to_string(level - 1);
    bomb += "]\n";
  }
  auto checked = check_stream(bomb, "config");
  REQUIRE_FALSE(checked);
  CHECK_THAT(checked.error().message,
             Catch::StartsWith("config: YAML aliases expand to more than"));
  CHECK_FALSE(podfit::yaml::yaml_to_json(bomb, "config"));  // kubeconfig's path

  auto deep = check_stream(std::string(300, '[') + std::string(300, ']'), "d.yaml");
  REQUIRE_FALSE(deep);
  CHECK(deep.error().message == "d.yaml: YAML nested deeper than 256 levels");
  // Far deeper, yaml-cpp's own guard throws: an error, not a stack overflow.
  CHECK_FALSE(podfit::manifest::parse_manifest("d.yaml", std::string(100000, '[')));
}

TEST_CASE("ordinary YAML with anchors passes the check", "[yaml]") {
  CHECK(check_stream("a: &x {b: 1}\nc: *x\nd: [*x, *x]\n---\n- 1\n- 2\n", "ok.yaml"));
  CHECK(check_stream("", "empty.yaml"));
  CHECK(check_stream("a: [1, 2\n", "bad.yaml"));  // a parse error: left to the real parse
}

TEST_CASE("an alias inside the collection its anchor names is refused", "[yaml][hostile]") {
  // yaml-cpp builds the cycle; every walk of the tree then recursed until the stack ran out.
  auto cycle = podfit::yaml::check_stream("labels: &labels\n  app: a\n  self: *labels\n", "c.yaml");
  REQUIRE_FALSE(cycle);
  CHECK(cycle.error().message ==
        "c.yaml: a YAML alias refers to a collection that contains it (a cycle); refused");
  CHECK(podfit::yaml::check_stream("a: &x {k: v}\nb: *x\nc: [*x, *x]\n", "ok.yaml").has_value());
}

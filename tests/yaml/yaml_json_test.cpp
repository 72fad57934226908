// YAML to JSON for kubeconfig-style files, checked by parsing the JSON back.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "podfit/yaml/yaml_json.hpp"

using podfit::yaml::yaml_to_json;

TEST_CASE("yaml_to_json converts a kubeconfig", "[yaml]") {
  const std::string kubeconfig =
      "apiVersion: v1\n"
      "kind: Config\n"
      "current-context: dev   # a comment\n"
      "clusters:\n"
      "- name: dev\n"
      "  cluster:\n"
      "    server: https://127.0.0.1:6443\n"
      "    insecure-skip-tls-verify: true\n"
      "users:\n"
      "- name: me\n"
      "  user:\n"
      "    token: \"true\"\n"
      "    exec: {command: ./plugin.sh, args: [--a, 'b c'], env: null}\n"
      "    note: |\n"
      "      two\n"
      "      lines\n";
  auto json = yaml_to_json(kubeconfig, "config");
  REQUIRE(json);
  auto tree = nlohmann::json::parse(*json);
  CHECK(tree["current-context"] == "dev");
  CHECK(tree["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443");
  CHECK(tree["clusters"][0]["cluster"]["insecure-skip-tls-verify"] == true);
  CHECK(tree["users"][0]["user"]["token"] == "true");  // quoted: stays a string
  CHECK(tree["users"][0]["user"]["exec"]["args"] == nlohmann::json({"--a", "b c"}));
  CHECK(tree["users"][0]["user"]["exec"]["env"].is_null());
  CHECK(tree["users"][0]["user"]["note"] == "two\nlines\n");
}

TEST_CASE("yaml_to_json reports invalid YAML with origin:line:column", "[yaml]") {
  auto json = yaml_to_json("a: b\nc: [d\n", "/home/me/.kube/config");
  REQUIRE_FALSE(json);
  CHECK(json.error().message.rfind("/home/me/.kube/config:", 0) == 0);
  CHECK(json.error().message.find("invalid YAML") != std::string::npos);
  CHECK(nlohmann::json::parse(*yaml_to_json("", "x")).is_null());
}

// patch -o strategic: one document per workload (never one stream with repeated keys),
// each with the kubectl command that applies it; run as written (with --local -f for the
// cluster), the command gives the resources `patch --write` writes.
#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

TEST_CASE("patch -o strategic gives one applicable document per workload", "[cli][strategic]") {
  TempDir dir;
  std::string source = podfit::test::source_dir() + "/fixtures/sample-app/";
  std::filesystem::copy(source + "kubernetes", dir / "k8s");
  std::string samples = shell_quote(source + "samples.jsonl");
  std::string k8s = shell_quote((dir / "k8s").string());
  CommandResult strategic = podfit_run("patch -o strategic --samples " + samples + " -f " + k8s);
  INFO(strategic.err);
  REQUIRE(strategic.exit_code == 0);
  auto documents = YAML::LoadAll(strategic.out);
  REQUIRE(documents.size() == 2);  // two files, one Deployment each
  for (const auto& document : documents) CHECK(document["spec"]["template"].IsMap());

  // Each "# kubectl -n NS patch KIND NAME ... -p '...'" line, run locally on its file.
  std::regex command(R"(# kubectl -n (\S+) patch (deployment) (\S+) (--type strategic -p '.*'))");
  std::regex title(R"(# Deployment \S+ \((.*)\))");
  std::istringstream lines(strategic.out);
  std::string line, file;
  std::map<std::string, nlohmann::json> patched;  // deployment name -> its containers
  TempDir home;
  podfit::test::write_file(home / "kubeconfig", "");
  for (std::smatch match; std::getline(lines, line);) {
    if (std::regex_match(line, match, title)) file = match[1];
    if (!std::regex_match(line, match, command)) continue;
    REQUIRE_FALSE(file.empty());
    CommandResult local = run_command("KUBECONFIG=" + shell_quote((home / "kubeconfig").string()) +
                                      " /usr/bin/kubectl patch --local -f " + shell_quote(file) +
                                      " " + match[4].str() + " -o json");
    INFO(line << "\n" << local.err);
    REQUIRE(local.exit_code == 0);
    nlohmann::json object = nlohmann::json::parse(local.out);
    CHECK(object["metadata"]["namespace"] == match[1].str());
    CHECK(object["metadata"]["name"] == match[3].str());
    patched[match[3]] = object["spec"]["template"]["spec"]["containers"];
  }
  REQUIRE(patched.size() == 2);

  REQUIRE(podfit_run("patch --write --samples " + samples + " -f " + k8s).exit_code == 0);
  for (const auto& entry : std::filesystem::directory_iterator(dir / "k8s")) {
    for (const auto& object : YAML::LoadAllFromFile(entry.path().string())) {
      if (!object["kind"] || object["kind"].as<std::string>() != "Deployment") continue;
      std::string name = object["metadata"]["name"].as<std::string>();
      INFO(name);
      REQUIRE(patched.count(name) == 1);
      const YAML::Node written = object["spec"]["template"]["spec"]["containers"][0]["resources"];
      const nlohmann::json& applied = patched[name][0]["resources"];
      for (const char* section : {"requests", "limits"}) {
        for (const char* resource : {"cpu", "memory"}) {
          INFO(section << "." << resource);
          CHECK(applied[section][resource] == written[section][resource].as<std::string>());
        }
      }
    }
  }
}

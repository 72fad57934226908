// The judges of the -k tests: what `kubectl kustomize` renders, and what podfit
// recommends for an overlay.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "support/support.hpp"

namespace podfit::test {

// The rendered resources of every container of `overlay`, as JSON, by kubectl kustomize
// (the independent judge) and Python's YAML reader.
inline nlohmann::json rendered_resources(const std::filesystem::path& overlay) {
  CommandResult rendered = run_command(
      "kubectl kustomize " + shell_quote(overlay.string()) + " | " + podfit::test::python() +
      " -c \"import json,sys,yaml; print(json.dumps({d['metadata']['name'] + '/' + c['name']: "
      "c.get('resources', {}) for d in yaml.safe_load_all(sys.stdin) if d and d.get('kind') == "
      "'Deployment' for c in d['spec']['template']['spec']['containers']}))\"");
  INFO(rendered.err);
  REQUIRE(rendered.exit_code == 0);
  return nlohmann::json::parse(rendered.out);
}

inline std::string render(const std::filesystem::path& overlay) {
  CommandResult rendered = run_command("kubectl kustomize " + shell_quote(overlay.string()));
  REQUIRE(rendered.exit_code == 0);
  return rendered.out;
}

// What podfit recommends for the overlay, by rendered name/container.
inline nlohmann::json recommended(const std::filesystem::path& overlay,
                                  const std::string& samples) {
  CommandResult run =
      podfit_run("recommend -o json -k " + shell_quote(overlay.string()) + " --samples " + samples);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(run.out);
  nlohmann::json out;
  for (const auto& entry : report["recommendations"]) {
    out[entry["workload"].get<std::string>() + "/" + entry["container"].get<std::string>()] =
        entry["recommended"];
  }
  return out;
}

}  // namespace podfit::test

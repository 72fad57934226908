// place_targets: an HPA template's `.Values` path for each utilization target.
#include "manifest/helm_targets.hpp"

#include <regex>
#include <sstream>

namespace podfit::manifest::detail {

namespace {

std::vector<std::string> split_dots(const std::string& dotted) {
  std::vector<std::string> keys;
  std::stringstream stream(dotted);
  for (std::string key; std::getline(stream, key, '.');) keys.push_back(key);
  return keys;
}

}  // namespace

std::vector<TargetPlacement> place_targets(const std::string& template_text,
                                           const std::string& origin,
                                           const Autoscaler& autoscaler) {
  static const std::regex kTarget(
      R"((?:averageUtilization|targetAverageUtilization|targetCPUUtilizationPercentage):\s*)"
      R"(\{\{-?\s*\.Values\.([A-Za-z0-9_.]+)\s*(?:\|[^}]*)?-?\}\})");
  std::vector<std::vector<std::string>> paths;
  for (auto it = std::sregex_iterator(template_text.begin(), template_text.end(), kTarget);
       it != std::sregex_iterator(); ++it) {
    paths.push_back(split_dots((*it)[1].str()));
  }
  std::vector<std::size_t> utilization;
  for (std::size_t i = 0; i < autoscaler.metrics.size(); ++i) {
    if (autoscaler.metrics[i].type == "Utilization" && autoscaler.metrics[i].offset > 0) {
      utilization.push_back(i);
    }
  }
  std::vector<TargetPlacement> placements;
  for (std::size_t k = 0; k < utilization.size(); ++k) {
    TargetPlacement placement{autoscaler.ref, utilization[k], {}, ""};
    if (paths.size() == utilization.size()) {
      placement.keys = paths[k];
      std::string dotted;
      for (const std::string& key : paths[k]) dotted += (dotted.empty() ? "" : ".") + key;
      placement.why = origin + " takes it from .Values." + dotted;
    } else {
      placement.why = origin + " has " + std::to_string(paths.size()) +
                      " `{{ .Values… }}` utilization target(s) for " +
                      std::to_string(utilization.size()) + " rendered";
    }
    placements.push_back(std::move(placement));
  }
  return placements;
}

}  // namespace podfit::manifest::detail

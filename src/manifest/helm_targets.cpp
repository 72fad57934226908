// place_targets: an HPA template's `.Values` path for each utilization target.
#include "manifest/helm_targets.hpp"

#include <filesystem>
#include <regex>
#include <set>
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

namespace podfit::manifest {

std::vector<std::string> chart_dirs(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::set<std::string> found;
  std::error_code error;
  for (const std::string& path : paths) {
    if (path == "-") continue;
    // The chart a file or folder is in ...
    for (fs::path dir = fs::absolute(path, error); !error && !dir.empty();
         dir = dir.parent_path()) {
      std::error_code ignored;  // a file's "child" Chart.yaml is ENOTDIR: just not one
      if (fs::is_regular_file(dir / "Chart.yaml", ignored)) {
        found.insert(fs::relative(dir, fs::current_path(), ignored).string());
        break;
      }
      if (dir == dir.root_path()) break;
    }
    error.clear();
    // ... and the charts a folder holds.
    if (!fs::is_directory(path, error)) continue;
    for (auto it = fs::recursive_directory_iterator(path, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_regular_file(error) && it->path().filename() == "Chart.yaml") {
        found.insert(it->path().parent_path().string());
      }
    }
  }
  return {found.begin(), found.end()};
}

}  // namespace podfit::manifest

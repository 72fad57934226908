// kubectl strategic-merge patches for the report ConfigMap.
#include <map>

#include "podfit/manifest/editor.hpp"
#include "podfit/report/report.hpp"

namespace podfit::report {

std::string kubectl_patches(const std::vector<policy::Recommendation>& recommendations) {
  std::map<WorkloadRef, std::vector<const policy::Recommendation*>> by_workload;
  for (const auto& recommendation : recommendations) {
    const WorkloadRef& ref = recommendation.stats.workload;
    if (!recommendation.changes() || ref.kind.find('|') != std::string::npos ||
        ref.namespace_name.empty()) {
      continue;
    }
    by_workload[ref].push_back(&recommendation);
  }
  std::string out;
  for (const auto& [ref, list] : by_workload) {
    manifest::Workload workload;
    workload.ref = ref;
    std::vector<manifest::ContainerChange> changes;
    for (const policy::Recommendation* recommendation : list) {
      manifest::ContainerSpec spec;
      spec.name = recommendation->stats.container;
      spec.init_container = recommendation->role != ContainerRole::regular;
      spec.current = recommendation->current;
      workload.containers.push_back(std::move(spec));
      changes.push_back({ref, recommendation->stats.container, recommendation->recommended});
    }
    std::string patch = manifest::strategic_patches({workload}, changes);
    std::size_t body = patch.find('\n');  // after the "# Kind ns/name" line
    if (body == std::string::npos || body + 1 == patch.size()) continue;  // a Job or Pod
    if (!out.empty()) out += "---\n";
    out += patch.substr(body + 1);
  }
  return out;
}

}  // namespace podfit::report

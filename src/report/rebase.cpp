// Published recommendations matched to the manifests a user gives with -f.
#include <sstream>

#include "podfit/report/report.hpp"

namespace podfit::report {

namespace {

bool kind_matches(const std::string& published, const std::string& manifest) {
  if (published == manifest) return true;
  std::stringstream kinds(published);  // "DaemonSet|Job": either
  for (std::string kind; std::getline(kinds, kind, '|');) {
    if (kind == manifest) return true;
  }
  return false;
}

// The manifest's workload a published recommendation is about: same name, a kind it may be,
// and the same namespace unless the manifest names none.
const manifest::Workload* manifest_workload(const std::vector<manifest::ManifestFile>& manifests,
                                            const WorkloadRef& published) {
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      const WorkloadRef& ref = workload.ref;
      if (ref.name != published.name || !kind_matches(published.kind, ref.kind)) continue;
      if (!ref.namespace_name.empty() && ref.namespace_name != published.namespace_name) continue;
      return &workload;
    }
  }
  return nullptr;
}

}  // namespace

void rebase_on_manifests(std::vector<policy::Recommendation>& recommendations,
                         const std::vector<manifest::ManifestFile>& manifests) {
  for (policy::Recommendation& recommendation : recommendations) {
    const manifest::Workload* workload =
        manifest_workload(manifests, recommendation.stats.workload);
    if (workload == nullptr) continue;
    recommendation.stats.workload = workload->ref;
    for (const auto& container : workload->containers) {
      if (container.name == recommendation.stats.container)
        recommendation.current = container.current;
    }
  }
}

}  // namespace podfit::report

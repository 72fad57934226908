// What a recommendation changes besides a container's resources: an HPA's
// averageUtilization and a mesh sidecar's annotations (policy::AutoscalerChange,
// policy::AnnotationChange), written into the manifest files that hold them.
#pragma once

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::report {

struct SideEdit {
  manifest::ScalarEdit edit;
  std::string key;    // the HPA metric or annotation key, to check it read back
  WorkloadRef owner;  // the HPA, or the workload of the annotation
  std::size_t metric = 0;
  bool autoscaler = false;
};

// The side changes of `all` that `file` holds (an HPA of the file, the annotations of a
// workload of the file); none for a rendered stream (-k, --chart), which is not edited.
std::vector<SideEdit> side_edits_for(const manifest::ManifestFile& file,
                                     const std::vector<policy::Recommendation>& all,
                                     const std::map<WorkloadRef, std::string>& deployed);

// `file`'s text with the side edits made, parsed again to check each one reads back as
// its new value and that every workload's resources are as before. Errors name path:line.
Result<std::string> apply_side_edits(const manifest::ManifestFile& file,
                                     const std::vector<SideEdit>& edits);

// The side changes no file in `files` can take (the HPA is not under -f, it is a rendered
// stream, or its target is the controller's default), as comment lines with the kubectl
// command that makes each, so none is lost; `written_elsewhere` (HPA, metric) were written
// into a Helm values file. Returns how many.
std::size_t print_unwritten_side_edits(std::ostream& out,
                                       const std::vector<manifest::ManifestFile>& files,
                                       const std::vector<policy::Recommendation>& all,
                                       const std::map<WorkloadRef, std::string>& deployed,
                                       const std::set<std::pair<WorkloadRef, std::size_t>>&
                                           written_elsewhere = {});

}  // namespace podfit::report

// Writing recommendations to the layer of a kustomize overlay that decides them, and no
// other: an existing strategic-merge patch of the overlay that sets the container, else a
// new patch file of the overlay (docs/manifest.md, "Kustomize overlays").
#pragma once

#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"

namespace podfit::manifest {

// One container's target, named as the overlay renders it.
struct RenderedChange {
  WorkloadRef workload;     // rendered: namePrefix/nameSuffix applied
  std::string api_version;  // of the rendered object, for a new patch
  std::string container;
  Resources target;
};

struct FileEdit {
  std::string path;
  std::string before;  // empty for a new file
  std::string after;
  bool created = false;
  std::string why;  // which changes went here, for the reader
};

struct OverlayPlan {
  std::vector<FileEdit> edits;
};

inline constexpr const char* kOverlayPatchFile = "podfit-resources.yaml";

// The edits of the overlay folder `dir` that make it render `changes`. Base folders and
// other overlays are never touched; a new patch is listed last in the overlay's `patches`
// (kustomize applies patches in order, so it decides over earlier ones).
Result<OverlayPlan> plan_overlay_edits(const std::string& dir,
                                       const std::vector<RenderedChange>& changes);

// A git diff that creates `path` with `text` (`git apply` makes the file).
std::string new_file_diff(const std::string& path, const std::string& text);

}  // namespace podfit::manifest

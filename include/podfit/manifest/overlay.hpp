// Writing recommendations to the layer of a kustomize overlay that decides them, and no
// other: the overlay's own patches that set the container (strategic-merge files and
// inline patches, JSON 6902 ops on its resources) edited in place, and what they leave to
// a new patch file of the overlay (docs/manifest.md, "Kustomize overlays").
#pragma once

#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest {

// One container's target, named as the overlay renders it.
struct RenderedChange {
  WorkloadRef workload;     // rendered: namePrefix/nameSuffix applied
  std::string api_version;  // of the rendered object, for a new patch
  std::string container;
  Resources target;
  bool init_container = false;  // in initContainers (a new patch must say so)
  Resources rendered;           // what the overlay renders now (a field the target drops
                                // is written as null in the new patch, so it goes)
  Resources remove;             // set by the planner: the fields the new patch nulls
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
  // Containers the edits cannot make render the target (an op of patchesJson6902, which
  // kustomize applies after the new patch, that podfit cannot edit), with why.
  std::vector<std::string> unsettled;
};

inline constexpr const char* kOverlayPatchFile = "podfit-resources.yaml";

// The edits of the overlay folder `dir` that make it render `changes`. Base folders and
// other overlays are never touched; a new patch is listed last in the overlay's `patches`
// (kustomize applies patches in order, so it decides over earlier ones). `rendered`, the
// overlay's rendered workloads, resolves patch targets and JSON 6902 container indexes;
// without it only strategic-merge patches naming the workload are edited.
// What no patch of the overlay sets goes to the file that defines the workload when the
// overlay itself lists it from inside its folder (nothing else shares it), or with
// `edit_base` to a base's file when no layer in between may set resources over it; else
// to the new patch file.
Result<OverlayPlan> plan_overlay_edits(const std::string& dir,
                                       const std::vector<RenderedChange>& changes,
                                       const std::vector<Workload>& rendered = {},
                                       bool edit_base = false);

// A git diff that creates `path` with `text` (`git apply` makes the file).
std::string new_file_diff(const std::string& path, const std::string& text);

}  // namespace podfit::manifest

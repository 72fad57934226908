// Kustomize overlays (-k DIR, as kubectl spells it): the objects an overlay renders are
// the workloads, names, namespaces and current resources podfit works with.
#pragma once

#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest {

// `kubectl kustomize DIR`, else `kustomize build DIR`, parsed. Errors name DIR and
// quote the renderer's message; neither renderer on PATH is an error that says so.
Result<ManifestFile> render_kustomization(const std::string& dir);

// The folders under `paths` (files and folders as -f takes them) that hold a
// kustomization file: -f reads their layers as separate files, which is rarely meant.
std::vector<std::string> kustomization_dirs(const std::vector<std::string>& paths);

}  // namespace podfit::manifest

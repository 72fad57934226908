// Surgical edits of the user's YAML: only resource values change; every other
// byte (comments, key order, quoting, indentation, flow style, CRLF, other
// documents) stays as it was.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest {

// Make the container's resources equal `target`: set present fields, remove
// absent ones (an empty requests/limits/resources block left behind is removed
// too). Missing blocks are inserted in the file's own indentation and style.
struct ContainerChange {
  WorkloadRef workload;  // as found in the file (ManifestFile::workloads[i].ref)
  std::string container;
  Resources target;
};

// Returns the new text. Changes for workloads or containers not in the file are ignored.
Result<std::string> apply_changes(const ManifestFile& file,
                                  const std::vector<ContainerChange>& changes);

// One scalar of a file to rewrite: an HPA's averageUtilization, a sidecar annotation.
struct ScalarEdit {
  std::size_t offset = 0;  // where the scalar starts (EditableScalar, AutoscalerMetric)
  std::string value;       // the new text, without quotes (a quoted scalar stays quoted)
};

// `text` with each scalar replaced; an offset that is not at a plain or quoted scalar
// on one line is an error naming path:line.
Result<std::string> replace_scalars(const std::string& path, const std::string& text,
                                    std::vector<ScalarEdit> edits);

// git-style unified diff (diff --git a/P b/P, ---/+++, @@ hunks, 3 lines of
// context); empty when the texts are equal. ANSI colour when `color`.
std::string unified_diff(const std::string& path, const std::string& before,
                         const std::string& after, bool color);

// The path a diff names for `path`, as `git diff` writes it: relative to the enclosing git
// work tree (a folder holding .git), else to `cwd`; "." and ".." resolved, so `-f ./k8s`,
// `-f $PWD/k8s` and `-f ../k8s` give the same a/... b/... paths. A file outside `cwd`
// and any work tree keeps its absolute path.
std::string diff_path(const std::string& path, const std::string& cwd);

// Writes `text` to `path` through a temp file in the same folder and rename(2),
// keeping the file's mode. The original is untouched on any failure.
Result<void> write_file_atomically(const std::string& path, const std::string& text);

// write_file_atomically for each (path, text), results in the same order. Each
// file is fsynced before its rename as above; each folder's entries are fsynced
// once, after all its renames, rather than once per file.
std::vector<Result<void>> write_files_atomically(
    const std::vector<std::pair<std::string, std::string>>& files);

// A YAML stream of strategic-merge patches, one document per workload, each after a
// comment naming it and a comment with the `kubectl [-n NS] patch KIND NAME --type
// strategic -p '...'` that applies it (`kubectl patch --local -f FILE` takes the same).
// A removed field is written as null (strategic merge deletes it). A Job or bare Pod,
// whose pod spec cannot change in place, gets a comment saying so instead.
std::string strategic_patches(const std::vector<Workload>& workloads,
                              const std::vector<ContainerChange>& changes);

}  // namespace podfit::manifest

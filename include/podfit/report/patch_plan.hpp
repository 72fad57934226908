// What `podfit patch` writes where: the container changes of each manifest, their reasons
// and the recommendations no manifest takes (comment lines that `git apply` skips), the HPA
// targets a Helm chart reads from its values, and one file's whole edit.
#pragma once

#include <cstddef>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/helm.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/policy/policy.hpp"
#include "podfit/report/side_edits.hpp"

namespace podfit::report {

// The changes of `all` that `file` holds (its workloads' containers that change).
std::vector<manifest::ContainerChange> changes_for(
    const manifest::ManifestFile& file, const std::vector<policy::Recommendation>& all,
    const std::map<WorkloadRef, std::string>& deployed);

// A recommendation's reason, one "#   " comment line per part.
void print_reason_lines(std::ostream& out, std::string_view reason);

// The reasons behind a file's changes (and its HPAs'), as comment lines for before its diff.
void print_reasons(std::ostream& out, const manifest::ManifestFile& file,
                   const std::vector<policy::Recommendation>& all,
                   const std::map<WorkloadRef, std::string>& deployed);

// The recommendations that change something but no manifest of `files` holds, with their
// numbers, as comment lines ("not `left_out`"). Returns how many.
std::size_t print_unplaced(std::ostream& out, const std::vector<manifest::ManifestFile>& files,
                           const std::vector<policy::Recommendation>& all,
                           const std::map<WorkloadRef, std::string>& deployed,
                           const char* left_out);

// The HPA targets `helm` reads from its values, set in `edited` (the values file's text);
// what cannot be set there goes to `unplaced` (and counts in `left`); `written` gets the
// (HPA, metric) set.
void place_autoscaler_targets(const manifest::HelmRender& helm,
                              const std::vector<policy::Recommendation>& all, std::string& edited,
                              std::ostream& reasons, std::ostream& unplaced, std::size_t& left,
                              std::set<std::pair<WorkloadRef, std::size_t>>& written);

// `file` with its HPA targets and annotations (`side_edits`, at the file's offsets) and then
// its containers' resources changed.
Result<std::string> edit_file(const manifest::ManifestFile& file,
                              const std::vector<manifest::ContainerChange>& changes,
                              const std::vector<SideEdit>& side_edits);

}  // namespace podfit::report

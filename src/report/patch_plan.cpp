// The pieces of `podfit patch` that decide what goes where: the container changes of a
// manifest, the reasons and the unplaced recommendations as comment lines, the HPA targets
// of a Helm values file, and a file's edit with its side changes (patch_plan.hpp).
#include "podfit/report/patch_plan.hpp"

#include <algorithm>
#include <cstdio>

#include "podfit/history/history.hpp"

namespace podfit::report {

using Deployed = std::map<WorkloadRef, std::string>;

std::vector<manifest::ContainerChange> changes_for(const manifest::ManifestFile& file,
                                                   const std::vector<policy::Recommendation>& all,
                                                   const Deployed& deployed) {
  std::vector<manifest::ContainerChange> changes;
  for (const auto& workload : file.workloads) {
    for (const auto& recommendation : all) {
      if (!history::is_manifest_workload(workload.ref, recommendation.stats.workload, deployed) ||
          !recommendation.changes()) {
        continue;
      }
      changes.push_back(manifest::ContainerChange{workload.ref, recommendation.stats.container,
                                                  recommendation.recommended});
    }
  }
  return changes;
}

// A recommendation's reason, one "#   " comment line per part.
void print_reason_lines(std::ostream& out, std::string_view reason) {
  while (!reason.empty()) {
    std::size_t end = reason.find("; ");
    out << "#   " << reason.substr(0, end) << '\n';
    reason = end == std::string_view::npos ? std::string_view{} : reason.substr(end + 2);
  }
}

// The reasons behind a file's changes, as comment lines before its diff: git apply and
// patch(1) skip text between file diffs, so the output still applies as it is.
void print_reasons(std::ostream& out, const manifest::ManifestFile& file,
                   const std::vector<policy::Recommendation>& all, const Deployed& deployed) {
  for (const auto& workload : file.workloads) {
    for (const auto& recommendation : all) {
      if (!history::is_manifest_workload(workload.ref, recommendation.stats.workload, deployed) ||
          !(recommendation.changes() || recommendation.changes_elsewhere())) {
        continue;
      }
      out << "# " << recommendation.stats.workload.display() << " container "
          << recommendation.stats.container << " (" << recommendation.stats.samples
          << " samples):\n";
      print_reason_lines(out, recommendation.reason);
    }
  }
  for (const auto& recommendation : all) {
    for (const policy::AutoscalerChange& change : recommendation.autoscaler_changes) {
      if (change.autoscaler.file != file.path) continue;
      out << "# HorizontalPodAutoscaler " << change.autoscaler.ref.name << ": its target follows "
          << "the new requests of " << recommendation.stats.workload.display()
          << " (see the reasons there)\n";
    }
  }
}

// Recommendations that change something but that no -f manifest holds (a sidecar injected
// at admission, an operator's workload, a workload not under -f): listed after the diff as
// comments, so none is lost. Returns how many.
std::size_t print_unplaced(std::ostream& out, const std::vector<manifest::ManifestFile>& files,
                           const std::vector<policy::Recommendation>& all, const Deployed& deployed,
                           const char* left_out) {
  std::size_t count = 0;
  for (const auto& recommendation : all) {
    if (!recommendation.changes()) continue;
    const WorkloadRef& ref = recommendation.stats.workload;
    bool workload_found = false, container_found = false, same_name = false;
    for (const auto& file : files) {
      for (const auto& workload : file.workloads) {
        same_name = same_name || workload.ref.name == ref.name;
        if (!history::is_manifest_workload(workload.ref, ref, deployed)) continue;
        workload_found = true;
        for (const auto& container : workload.containers) {
          container_found = container_found || container.name == recommendation.stats.container;
        }
      }
    }
    // A mesh sidecar is placed on the workload's annotations.
    if (container_found || (workload_found && !recommendation.annotation_changes.empty())) continue;
    if (count++ == 0) {
      out << "# Not in the manifests given with -f or -k, so not " << left_out << ":\n";
    }
    const Resources& target = recommendation.recommended;
    auto text = [](const std::optional<ResourceValue>& value) {
      return value ? value->text : std::string("-");
    };
    out << "#   " << ref.display() << " container " << recommendation.stats.container << ": "
        << (workload_found ? "the manifest has no such container (injected at admission?)"
            : same_name    ? "a manifest of that name does not own these pods (its selector, "
                             "namespace or kind does not fit them, or another one could; see "
                             "any warnings)"
                           : "no manifest under -f or -k defines this workload")
        << "; requests " << text(target.cpu_request) << "/" << text(target.memory_request)
        << ", limits " << text(target.cpu_limit) << "/" << text(target.memory_limit) << '\n';
  }
  return count;
}

// The HPA targets the chart takes from its values: set in the values file beside the
// requests they follow; what cannot be set there is listed with the unplaced.
void place_autoscaler_targets(const manifest::HelmRender& helm,
                              const std::vector<policy::Recommendation>& all, std::string& edited,
                              std::ostream& reasons, std::ostream& unplaced, std::size_t& left,
                              std::set<std::pair<WorkloadRef, std::size_t>>& written) {
  for (const policy::Recommendation& recommendation : all) {
    for (const policy::AutoscalerChange& change : recommendation.autoscaler_changes) {
      auto target = std::find_if(helm.targets.begin(), helm.targets.end(), [&](const auto& t) {
        return t.autoscaler == change.autoscaler.ref && t.metric == change.metric;
      });
      if (target == helm.targets.end() || target->keys.empty()) continue;
      char value[16];
      std::snprintf(value, sizeof value, "%.0f", change.to);
      auto next = manifest::apply_values_scalar(helm.values_file, edited, target->keys, value);
      std::string name = "HorizontalPodAutoscaler " + change.autoscaler.ref.name;
      if (!next) {
        ++left;
        unplaced << "#   " << name << ": " << next.error().message << '\n';
        continue;
      }
      edited = std::move(*next);
      written.insert({change.autoscaler.ref, change.metric});
      reasons << "# " << name << " (" << target->why << "): averageUtilization follows the "
              << "new requests of " << recommendation.stats.workload.display() << '\n';
    }
  }
}

// The HPA targets and annotations first (their offsets are the file's), then the resources.
Result<std::string> edit_file(const manifest::ManifestFile& file,
                              const std::vector<manifest::ContainerChange>& changes,
                              const std::vector<SideEdit>& side_edits) {
  if (side_edits.empty()) {
    return changes.empty() ? Result<std::string>(file.text)
                           : manifest::apply_changes(file, changes);
  }
  PODFIT_TRY_ASSIGN(text, apply_side_edits(file, side_edits));
  if (changes.empty()) return text;
  manifest::ManifestFile edited = file;
  edited.text = std::move(text);
  edited.layout = nullptr;
  return manifest::apply_changes(edited, changes);
}

}  // namespace podfit::report

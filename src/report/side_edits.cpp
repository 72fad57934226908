// side_edits_for, apply_side_edits: HPA targets and sidecar annotations in the manifests.
#include "podfit/report/side_edits.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "podfit/history/history.hpp"

namespace podfit::report {

namespace {

std::string percent_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", value);
  return text;
}

bool holds_autoscaler(const manifest::ManifestFile& file, const Autoscaler& autoscaler) {
  return file.rendered_by.empty() && autoscaler.file == file.path && autoscaler.metrics.size() > 0;
}

const manifest::Workload* workload_of(const manifest::ManifestFile& file, const WorkloadRef& ref,
                                      const std::map<WorkloadRef, std::string>& deployed) {
  for (const manifest::Workload& workload : file.workloads) {
    if (history::is_manifest_workload(workload.ref, ref, deployed)) return &workload;
  }
  return nullptr;
}

}  // namespace

std::vector<SideEdit> side_edits_for(const manifest::ManifestFile& file,
                                     const std::vector<policy::Recommendation>& all,
                                     const std::map<WorkloadRef, std::string>& deployed) {
  std::vector<SideEdit> edits;
  if (!file.rendered_by.empty()) return edits;
  for (const policy::Recommendation& recommendation : all) {
    if (!recommendation.changes_elsewhere()) continue;
    for (const policy::AutoscalerChange& change : recommendation.autoscaler_changes) {
      const AutoscalerMetric& metric = change.autoscaler.metrics[change.metric];
      if (!holds_autoscaler(file, change.autoscaler) || metric.offset == 0) continue;
      edits.push_back({{metric.offset, percent_text(change.to)},
                       percent_text(change.to),
                       change.autoscaler.ref,
                       change.metric,
                       true});
    }
    const manifest::Workload* workload = workload_of(file, recommendation.stats.workload, deployed);
    if (workload == nullptr) continue;
    for (const policy::AnnotationChange& change : recommendation.annotation_changes) {
      auto found = workload->template_annotations.find(change.key);
      if (found == workload->template_annotations.end()) continue;
      edits.push_back({{found->second.offset, change.value}, change.key, workload->ref, 0, false});
    }
  }
  return edits;
}

Result<std::string> apply_side_edits(const manifest::ManifestFile& file,
                                     const std::vector<SideEdit>& edits) {
  std::vector<manifest::ScalarEdit> scalars;
  for (const SideEdit& edit : edits) scalars.push_back(edit.edit);
  PODFIT_TRY_ASSIGN(text, manifest::replace_scalars(file.path, file.text, scalars));
  PODFIT_TRY_ASSIGN(again, manifest::parse_manifest(file.path, text));
  auto broken = [&](const std::string& what) {
    return fail(file.path + ": rewriting " + what +
                " did not read back as intended (file left "
                "untouched)");
  };
  if (again.workloads.size() != file.workloads.size()) return broken("a value");
  for (std::size_t i = 0; i < file.workloads.size(); ++i) {
    for (std::size_t c = 0; c < file.workloads[i].containers.size(); ++c) {
      if (again.workloads[i].containers[c].current != file.workloads[i].containers[c].current) {
        return broken("a value");
      }
    }
  }
  for (const SideEdit& edit : edits) {
    bool read_back = false;
    if (edit.autoscaler) {
      for (const Autoscaler& autoscaler : again.autoscalers) {
        read_back =
            read_back || (autoscaler.ref == edit.owner && edit.metric < autoscaler.metrics.size() &&
                          percent_text(autoscaler.metrics[edit.metric].utilization) == edit.key);
      }
    } else {
      for (const manifest::Workload& workload : again.workloads) {
        auto found = workload.template_annotations.find(edit.key);
        read_back = read_back ||
                    (workload.ref == edit.owner && found != workload.template_annotations.end() &&
                     found->second.text == edit.edit.value);
      }
    }
    if (!read_back) return broken(edit.autoscaler ? "an HPA target" : "annotation " + edit.key);
  }
  return text;
}

namespace {

std::string namespace_flag(const WorkloadRef& ref) {
  return ref.namespace_name.empty() ? "" : "-n " + ref.namespace_name + " ";
}

std::string name_of(const WorkloadRef& ref) {
  return (ref.namespace_name.empty() ? "" : ref.namespace_name + "/") + ref.name;
}

// The JSON 6902 patch that sets `change`: an "add" replaces a member that exists and adds one
// that is absent (RFC 6902), so it also sets a target left to the controller's default.
std::string autoscaler_patch(const policy::AutoscalerChange& change) {
  const AutoscalerMetric& metric = change.autoscaler.metrics[change.metric];
  std::string value = percent_text(change.to);
  if (metric.path == "/spec/metrics") {
    value =
        "[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
        "\"Utilization\",\"averageUtilization\":" +
        value + "}}}]";
  }
  return "kubectl " + namespace_flag(change.autoscaler.ref) + "patch horizontalpodautoscaler " +
         change.autoscaler.ref.name + " --type json -p '[{\"op\":\"add\",\"path\":\"" +
         metric.path + "\",\"value\":" + value + "}]'";
}

bool annotation_written(const std::vector<manifest::ManifestFile>& files,
                        const policy::Recommendation& recommendation,
                        const policy::AnnotationChange& change,
                        const std::map<WorkloadRef, std::string>& deployed) {
  for (const manifest::ManifestFile& file : files) {
    if (!file.rendered_by.empty()) continue;
    const manifest::Workload* workload = workload_of(file, recommendation.stats.workload, deployed);
    if (workload && workload->template_annotations.count(change.key)) return true;
  }
  return false;
}

}  // namespace

std::size_t print_unwritten_side_edits(std::ostream& out,
                                       const std::vector<manifest::ManifestFile>& files,
                                       const std::vector<policy::Recommendation>& all,
                                       const std::map<WorkloadRef, std::string>& deployed,
                                       const std::set<std::pair<WorkloadRef, std::size_t>>&
                                           written_elsewhere) {
  std::size_t count = 0;
  auto heading = [&] {
    if (count++ == 0) out << "# Not written into the manifests, to apply by hand:\n";
  };
  for (const policy::Recommendation& recommendation : all) {
    for (const policy::AutoscalerChange& change : recommendation.autoscaler_changes) {
      const AutoscalerMetric& metric = change.autoscaler.metrics[change.metric];
      bool written = written_elsewhere.count({change.autoscaler.ref, change.metric}) > 0;
      for (const manifest::ManifestFile& file : files) {
        written = written || (holds_autoscaler(file, change.autoscaler) && metric.offset > 0);
      }
      if (written) continue;
      heading();
      out << "#   HorizontalPodAutoscaler " << name_of(change.autoscaler.ref) << " ("
          << change.autoscaler.file << "): " << metric.resource << " averageUtilization "
          << percent_text(change.from) << " -> " << percent_text(change.to)
          << (metric.offset == 0 && !change.autoscaler.file.empty()
                  ? " (the controller's default now)"
                  : "")
          << '\n';
      if (!metric.path.empty()) out << "#   " << autoscaler_patch(change) << '\n';
    }
    const WorkloadRef& ref = recommendation.stats.workload;
    for (const policy::AnnotationChange& change : recommendation.annotation_changes) {
      if (annotation_written(files, recommendation, change, deployed)) continue;
      heading();
      std::string kind = ref.kind;
      for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out << "#   " << ref.kind << " " << name_of(ref) << " pod template annotation " << change.key
          << ": " << change.current.text << " -> " << change.value << "\n#   kubectl "
          << namespace_flag(ref) << "patch " << kind << " " << ref.name
          << " --type strategic -p '{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
          << change.key << "\":\"" << change.value << "\"}}}}}'\n";
    }
  }
  return count;
}

}  // namespace podfit::report

// The attribution precedence, the current resources and the event counts of a History.
#include "podfit/history/history.hpp"

#include "podfit/core/attribution.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::history {

namespace {

std::vector<WorkloadMatcher> matchers_of(const std::vector<manifest::ManifestFile>& manifests) {
  std::vector<WorkloadMatcher> matchers;
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      matchers.push_back(WorkloadMatcher{workload.ref, workload.selector});
    }
  }
  return matchers;
}

// kube-state-metrics names pod labels label_<sanitized key>; match selectors the same way.
void use_prometheus_label_names(std::vector<WorkloadMatcher>& matchers) {
  for (WorkloadMatcher& matcher : matchers) {
    Labels names;
    for (const auto& [key, value] : matcher.selector.match_labels) {
      names[source::prometheus_label_name(key)] = value;
    }
    matcher.selector.match_labels = std::move(names);
    for (LabelRequirement& requirement : matcher.selector.match_expressions) {
      requirement.key = source::prometheus_label_name(requirement.key);
    }
  }
}

}  // namespace

void attribute(History& history, const std::vector<manifest::ManifestFile>& manifests) {
  std::vector<WorkloadMatcher> matchers = matchers_of(manifests);
  if (history.prometheus_label_names) use_prometheus_label_names(matchers);
  history.workload_of_pod = attribute_pods(history.samples, matchers);
  if (!history.owner_of_pod.empty()) {
    // An owner beats the pod name, but not a manifest's selector.
    std::vector<WorkloadRef> by_name = attribute_pods(history.samples, {});
    for (const auto& [pod, owner] : history.owner_of_pod) {
      if (pod < by_name.size() && history.workload_of_pod[pod] == by_name[pod]) {
        history.workload_of_pod[pod] = owner;
      }
    }
  }
  history.manifest_resources.clear();
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      for (const auto& spec : workload.containers) {
        history.manifest_resources.push_back({workload.ref, spec.name, spec.current});
      }
    }
  }
}

Resources current_resources(const History& history, const WorkloadRef& ref,
                            const std::string& container) {
  for (const WorkloadResources& entry : history.manifest_resources) {
    if (entry.workload != ref || entry.container != container) continue;
    if (!entry.current.empty()) return entry.current;
    break;  // the manifest sets none: what the cluster shows, if anything
  }
  for (const PodResources& entry : history.live_resources) {
    if (entry.container == container && entry.pod < history.workload_of_pod.size() &&
        history.workload_of_pod[entry.pod] == ref) {
      return entry.current;
    }
  }
  for (const WorkloadResources& entry : history.cluster_resources) {
    if (entry.workload == ref && entry.container == container) return entry.current;
  }
  return {};
}

std::map<ContainerKey, EventCounts> event_counts(const History& history) {
  std::map<std::pair<std::string, std::string>, std::size_t> pod_index;
  const std::vector<PodRecord>& pods = history.samples.pods();
  for (std::size_t i = 0; i < pods.size(); ++i)
    pod_index[{pods[i].namespace_name, pods[i].name}] = i;
  std::map<ContainerKey, EventCounts> counts;
  for (const ContainerEvent& event : history.events) {
    auto found = pod_index.find({event.namespace_name, event.pod});
    WorkloadRef workload =
        found != pod_index.end() && found->second < history.workload_of_pod.size()
            ? history.workload_of_pod[found->second]
            : workload_of_pod_name(event.namespace_name, event.pod);
    counts[{workload, event.container}].add(event);
  }
  return counts;
}

}  // namespace podfit::history

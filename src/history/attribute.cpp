// The attribution precedence, the current resources and the event counts of a History.
#include "podfit/history/history.hpp"

#include <set>

#include "podfit/core/attribution.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::history {

namespace {

std::vector<WorkloadMatcher> matchers_of(const std::vector<manifest::ManifestFile>& manifests) {
  std::vector<WorkloadMatcher> matchers;
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      matchers.push_back(WorkloadMatcher{workload.ref, workload.selector, std::nullopt});
    }
  }
  return matchers;
}

std::string join_names(const std::set<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

// Where each manifest that names no namespace is deployed: -n, else the kubeconfig
// context's namespace, else the one namespace of the pods it could own; pods in several
// namespaces make it own none.
void deploy_namespaceless(std::vector<WorkloadMatcher>& matchers, const SampleSet& samples,
                          const AttributionOptions& options, std::vector<std::string>& warnings) {
  // Pods a manifest naming their namespace could own are that manifest's (found once).
  std::vector<bool> claimed;
  if (options.namespace_name.empty()) {
    for (const PodRecord& pod : samples.pods()) {
      bool owned = false;
      for (const WorkloadMatcher& other : matchers) {
        owned = owned || (!other.ref.namespace_name.empty() && may_own(other, pod));
        if (owned) break;
      }
      claimed.push_back(owned);
    }
  }
  for (WorkloadMatcher& matcher : matchers) {
    if (!matcher.ref.namespace_name.empty()) continue;
    if (!options.namespace_name.empty()) {
      matcher.deployed_namespace = options.namespace_name;
      continue;
    }
    std::set<std::string> namespaces;
    const std::vector<PodRecord>& pods = samples.pods();
    for (std::size_t i = 0; i < pods.size(); ++i) {
      if (!claimed[i] && may_own(matcher, pods[i])) namespaces.insert(pods[i].namespace_name);
    }
    if (!options.context_namespace.empty()) {
      matcher.deployed_namespace = options.context_namespace;
      if (!namespaces.empty() && !namespaces.count(options.context_namespace)) {
        warnings.push_back(matcher.ref.kind + "/" + matcher.ref.name +
                           " names no namespace, so it is for namespace \"" +
                           options.context_namespace + "\" of kubeconfig context \"" +
                           options.context_name + "\", but its pods are in " +
                           join_names(namespaces) + ": give -n NAMESPACE");
      }
      continue;
    }
    if (namespaces.size() <= 1) {
      if (!namespaces.empty()) matcher.deployed_namespace = *namespaces.begin();
      continue;
    }
    matcher.deployed_namespace = "";  // owns nothing
    warnings.push_back(matcher.ref.kind + "/" + matcher.ref.name +
                       " names no namespace and its pods are in " + join_names(namespaces) +
                       ": give -n NAMESPACE to say which one the manifest is for (credited to "
                       "none)");
  }
}

// kube-state-metrics names pod labels label_<sanitized key>; match selectors the same way.
LabelSelector with_prometheus_label_names(LabelSelector selector) {
  Labels names;
  for (const auto& [key, value] : selector.match_labels) {
    names[source::prometheus_label_name(key)] = value;
  }
  selector.match_labels = std::move(names);
  for (LabelRequirement& requirement : selector.match_expressions) {
    requirement.key = source::prometheus_label_name(requirement.key);
  }
  return selector;
}

ContainerFacts facts_of(const manifest::ContainerSpec& spec) {
  ContainerRole role = !spec.init_container  ? ContainerRole::regular
                       : spec.restart_always ? ContainerRole::sidecar
                                             : ContainerRole::init;
  return ContainerFacts{spec.name, role, spec.command_line, spec.env};
}

WorkloadFacts facts_of(const manifest::Workload& workload) {
  WorkloadFacts facts;
  facts.annotations = workload.annotations;
  for (const auto& [key, value] : workload.template_annotations) {
    facts.annotations.emplace(key, value.text);  // the workload's own win
  }
  facts.template_annotations = workload.template_annotations;
  facts.labels = workload.template_labels;
  for (const auto& spec : workload.containers) facts.containers.push_back(facts_of(spec));
  facts.origin = workload.file + ":" + std::to_string(workload.line);
  return facts;
}

// An HPA scales the workload of its scaleTargetRef in its own namespace (a manifest that
// names none is in the namespace of the workload it scales).
void add_autoscaler(std::map<WorkloadRef, WorkloadFacts>& facts, const Autoscaler& autoscaler) {
  for (auto& [ref, workload] : facts) {
    if (ref.kind != autoscaler.target.kind || ref.name != autoscaler.target.name) continue;
    if (!autoscaler.target.namespace_name.empty() &&
        ref.namespace_name != autoscaler.target.namespace_name) {
      continue;
    }
    workload.autoscalers.push_back(autoscaler);
    return;
  }
}

// Live pods' labels and annotations describe the workloads no manifest describes.
void add_live_facts(History& history) {
  const std::vector<PodRecord>& pods = history.samples.pods();
  for (std::uint32_t i = 0; i < pods.size() && i < history.workload_of_pod.size(); ++i) {
    auto [entry, added] = history.workload_facts.try_emplace(history.workload_of_pod[i]);
    if (!added) continue;
    entry->second.labels = pods[i].labels;
    if (auto found = history.pod_annotations.find(i); found != history.pod_annotations.end()) {
      entry->second.annotations = found->second;
    }
    entry->second.origin = "pod " + pods[i].namespace_name + "/" + pods[i].name;
  }
}

void collect_facts(History& history, const std::vector<manifest::ManifestFile>& manifests) {
  history.workload_facts.clear();
  auto deployed_ref = [&](WorkloadRef ref) {
    if (auto deployed = history.deployed_namespaces.find(ref);
        deployed != history.deployed_namespaces.end()) {
      ref.namespace_name = deployed->second;
    }
    return ref;
  };
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      history.workload_facts.emplace(deployed_ref(workload.ref), facts_of(workload));
    }
  }
  add_live_facts(history);
  for (const auto& file : manifests) {
    for (const Autoscaler& autoscaler : file.autoscalers) {
      add_autoscaler(history.workload_facts, autoscaler);
    }
  }
  for (const Autoscaler& autoscaler : history.live_autoscalers) {
    add_autoscaler(history.workload_facts, autoscaler);
  }
}

}  // namespace

void attribute(History& history, const std::vector<manifest::ManifestFile>& manifests,
               const AttributionOptions& options) {
  std::vector<WorkloadMatcher> matchers = matchers_of(manifests);
  if (history.prometheus_label_names) {
    for (WorkloadMatcher& matcher : matchers) {
      matcher.selector = with_prometheus_label_names(std::move(matcher.selector));
    }
  }
  history.attribution_warnings.clear();
  deploy_namespaceless(matchers, history.samples, options, history.attribution_warnings);
  history.workload_of_pod =
      attribute_pods(history.samples, matchers, &history.attribution_warnings);
  history.deployed_namespaces.clear();
  for (const WorkloadMatcher& matcher : matchers) {
    if (matcher.ref.namespace_name.empty() && matcher.deployed_namespace &&
        !matcher.deployed_namespace->empty()) {
      history.deployed_namespaces[matcher.ref] = *matcher.deployed_namespace;
    }
  }
  for (WorkloadRef& ref : history.workload_of_pod) {
    if (!ref.namespace_name.empty()) continue;
    auto deployed = history.deployed_namespaces.find(ref);
    if (deployed != history.deployed_namespaces.end()) ref.namespace_name = deployed->second;
  }
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
        WorkloadRef ref = workload.ref;
        if (auto deployed = history.deployed_namespaces.find(ref);
            deployed != history.deployed_namespaces.end()) {
          ref.namespace_name = deployed->second;
        }
        history.manifest_resources.push_back({ref, spec.name, spec.current});
      }
    }
  }
  collect_facts(history, manifests);
}

bool is_manifest_workload(const WorkloadRef& manifest_ref, const WorkloadRef& workload,
                          const std::map<WorkloadRef, std::string>& deployed_namespaces) {
  if (manifest_ref == workload) return true;
  if (!manifest_ref.namespace_name.empty() || manifest_ref.kind != workload.kind ||
      manifest_ref.name != workload.name) {
    return false;
  }
  auto deployed = deployed_namespaces.find(manifest_ref);
  return deployed != deployed_namespaces.end() && deployed->second == workload.namespace_name;
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

void keep_pods(History& history, const std::string& namespace_name, const LabelSelector& selector) {
  LabelSelector wanted_labels =
      history.prometheus_label_names ? with_prometheus_label_names(selector) : selector;
  const std::vector<PodRecord>& pods = history.samples.pods();
  std::vector<bool> keep(pods.size());
  for (std::size_t i = 0; i < pods.size(); ++i) {
    keep[i] = (namespace_name.empty() || pods[i].namespace_name == namespace_name) &&
              (wanted_labels.empty() || wanted_labels.matches(pods[i].labels));
  }
  SampleSet kept;
  for (const PodRecord& pod : pods) kept.intern_pod(pod.namespace_name, pod.name, &pod.labels);
  for (const ContainerSeries& series : history.samples.series()) {
    if (keep[series.pod]) {
      kept.add_points(series.pod, series.container, series.points, series.first_window_seconds);
    }
  }
  kept.finalize();
  std::vector<HourSketch> sketches;
  for (HourSketch& sketch : history.sketches) {
    if (sketch.pod < keep.size() && keep[sketch.pod]) sketches.push_back(std::move(sketch));
  }
  std::vector<CompactedSeries> compacted;
  for (CompactedSeries& series : history.compacted) {
    if (series.pod < keep.size() && keep[series.pod]) compacted.push_back(std::move(series));
  }
  std::vector<PodResources> live;
  for (PodResources& entry : history.live_resources) {
    if (entry.pod < keep.size() && keep[entry.pod]) live.push_back(std::move(entry));
  }
  std::map<std::pair<std::string, std::string>, bool> kept_pod;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    kept_pod[{pods[i].namespace_name, pods[i].name}] = keep[i];
  }
  std::vector<ContainerEvent> events;
  for (ContainerEvent& event : history.events) {
    auto found = kept_pod.find({event.namespace_name, event.pod});
    bool in_scope = found != kept_pod.end()
                        ? found->second
                        : namespace_name.empty() || event.namespace_name == namespace_name;
    if (in_scope) events.push_back(std::move(event));
  }
  history.samples = std::move(kept);
  history.sketches = std::move(sketches);
  history.compacted = std::move(compacted);
  history.live_resources = std::move(live);
  history.events = std::move(events);
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

// Pod -> workload attribution: label selectors first, Kubernetes pod naming second.
#include "podfit/core/attribution.hpp"

#include <algorithm>
#include <string>

namespace podfit {

namespace {

// The alphabet of Kubernetes' generated names (k8s.io/apimachinery/pkg/util/rand):
// no vowels and no 0, 1, 3, so generated parts never spell words.
constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

bool all_of_alphabet(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
    return kSafeAlphabet.find(c) != std::string_view::npos;
  });
}

bool all_digits(std::string_view token) {
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The 5-character random suffix of generateName.
bool is_random_suffix(std::string_view token) {
  return token.size() == 5 && all_of_alphabet(token);
}

// A ReplicaSet's pod-template-hash: SafeEncodeString of a 32-bit hash's decimal
// digits, so up to 10 characters; shorter than 6 is too rare to risk a wrong match.
bool is_pod_template_hash(std::string_view token) {
  return token.size() >= 6 && token.size() <= 10 && all_of_alphabet(token);
}

// A CronJob's Job is named after its scheduled time in minutes since the epoch
// (8 digits from 1973 until 2160).
bool is_cron_schedule(std::string_view token) {
  return token.size() >= 8 && all_digits(token);
}

// A StatefulSet ordinal: a decimal without leading zeros.
bool is_ordinal(std::string_view token) {
  return all_digits(token) && (token.size() == 1 || token[0] != '0');
}

bool namespace_matches(const WorkloadMatcher& workload, std::string_view namespace_name) {
  if (!workload.ref.namespace_name.empty()) return workload.ref.namespace_name == namespace_name;
  return !workload.deployed_namespace || *workload.deployed_namespace == namespace_name;
}

const std::string* label_of(const PodRecord& pod, const char* key) {
  auto found = pod.labels.find(key);
  return found == pod.labels.end() ? nullptr : &found->second;
}

// "<hash>-<5>": a Deployment's ReplicaSet hash and the pod's random suffix.
bool is_hash_and_suffix(std::string_view rest, const std::string* hash_label) {
  std::size_t dash = rest.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view hash = rest.substr(0, dash);
  if (!is_pod_template_hash(hash) || !is_random_suffix(rest.substr(dash + 1))) return false;
  return hash_label == nullptr || *hash_label == hash;
}

// "[<index>-]<5>": a Job's pod (an Indexed Job puts the completion index first).
bool is_job_pod_rest(std::string_view rest) {
  std::size_t dash = rest.find('-');
  if (dash == std::string_view::npos) return is_random_suffix(rest);
  return all_digits(rest.substr(0, dash)) && is_random_suffix(rest.substr(dash + 1));
}

const std::string* job_name_label(const PodRecord& pod) {
  if (const std::string* name = label_of(pod, "batch.kubernetes.io/job-name")) return name;
  return label_of(pod, "job-name");
}

bool is_known_kind(std::string_view kind) {
  for (std::string_view known : {"Deployment", "ReplicaSet", "ReplicationController", "DaemonSet",
                                 "StatefulSet", "Job", "CronJob", "Pod", "DaemonSet|Job"}) {
    if (kind == known) return true;
  }
  return false;
}

// The candidates' order of preference: a manifest that names the pod's namespace over
// one deployed there by choice, a known controller over an operator's kind.
int preference(const WorkloadMatcher& workload) {
  return (workload.ref.namespace_name.empty() ? 0 : 2) + (is_known_kind(workload.ref.kind) ? 1 : 0);
}

WorkloadRef attribute_pod(const PodRecord& pod, const std::vector<WorkloadMatcher>& workloads,
                          std::vector<std::string>* warnings) {
  std::vector<const WorkloadMatcher*> best;
  int best_preference = -1;
  for (const WorkloadMatcher& workload : workloads) {
    if (!may_own(workload, pod)) continue;
    int rank = preference(workload);
    if (rank < best_preference) continue;
    if (rank > best_preference) best.clear();
    best_preference = rank;
    bool seen = false;  // the same workload from two files is one candidate
    for (const WorkloadMatcher* other : best) seen = seen || other->ref == workload.ref;
    if (!seen) best.push_back(&workload);
  }
  if (best.size() == 1) return best.front()->ref;
  if (best.size() > 1 && warnings != nullptr) {
    std::string names;
    for (const WorkloadMatcher* candidate : best) {
      names += (names.empty() ? "" : " and ") + candidate->ref.kind + "/" + candidate->ref.name;
    }
    warnings->push_back("pod " + pod.namespace_name + "/" + pod.name + " could belong to " + names +
                        ": credited to neither (is one of them a leftover?)");
  }
  return workload_of_pod(pod);
}

}  // namespace

std::optional<WorkloadRef> workload_from_pod_name(std::string_view namespace_name,
                                                  std::string_view pod_name) {
  auto last_dash = pod_name.rfind('-');
  if (last_dash == std::string_view::npos || last_dash == 0) return std::nullopt;
  std::string_view last = pod_name.substr(last_dash + 1);
  std::string_view before_last = pod_name.substr(0, last_dash);
  auto make = [&](std::string_view kind, std::string_view name) {
    return WorkloadRef{std::string(namespace_name), std::string(kind), std::string(name)};
  };

  if (is_random_suffix(last)) {
    auto middle_dash = before_last.rfind('-');
    if (middle_dash != std::string_view::npos && middle_dash > 0) {
      std::string_view middle = before_last.substr(middle_dash + 1);
      std::string_view owner = before_last.substr(0, middle_dash);
      if (is_cron_schedule(middle)) return make("CronJob", owner);
      if (is_pod_template_hash(middle)) return make("Deployment", owner);
    }
    return make("DaemonSet|Job", before_last);
  }
  if (is_ordinal(last)) return make("StatefulSet", before_last);
  return std::nullopt;
}

WorkloadRef workload_of_pod_name(std::string_view namespace_name, std::string_view pod_name) {
  if (auto named = workload_from_pod_name(namespace_name, pod_name)) return *named;
  return WorkloadRef{std::string(namespace_name), "Pod", std::string(pod_name)};
}

namespace {

// A controller's pod label, as the API writes it or as kube-state-metrics renames it.
const std::string* controller_label(const PodRecord& pod, const char* key, const char* metric_key) {
  if (const std::string* value = label_of(pod, key)) return value;
  return label_of(pod, metric_key);
}

// The name before "-<last token>" of the pod's name, when there is one.
std::optional<std::string> name_before_last_token(const std::string& pod_name) {
  std::size_t dash = pod_name.rfind('-');
  if (dash == std::string::npos || dash == 0) return std::nullopt;
  return pod_name.substr(0, dash);
}

}  // namespace

WorkloadRef workload_of_pod(const PodRecord& pod) {
  const std::string& ns = pod.namespace_name;
  const std::string* job = job_name_label(pod);
  if (job == nullptr) job = label_of(pod, "label_job_name");
  if (job != nullptr) return workload_of_owner(ns, "Job", *job);
  const std::string* hash = controller_label(pod, "pod-template-hash", "label_pod_template_hash");
  if (hash != nullptr) {
    std::string tail = "-" + *hash + "-";
    std::size_t at = pod.name.rfind(tail);
    if (at != std::string::npos && at > 0 &&
        is_random_suffix(std::string_view(pod.name).substr(at + tail.size()))) {
      return WorkloadRef{ns, "Deployment", pod.name.substr(0, at)};
    }
  }
  bool stateful = controller_label(pod, "statefulset.kubernetes.io/pod-name",
                                   "label_statefulset_kubernetes_io_pod_name") != nullptr;
  bool daemon = !stateful && (controller_label(pod, "pod-template-generation",
                                               "label_pod_template_generation") != nullptr);
  if (stateful || daemon) {
    if (auto owner = name_before_last_token(pod.name)) {
      return WorkloadRef{ns, stateful ? "StatefulSet" : "DaemonSet", *owner};
    }
  }
  return workload_of_pod_name(ns, pod.name);
}

WorkloadRef workload_of_owner(std::string_view namespace_name, std::string_view kind,
                              std::string_view name) {
  std::string ns(namespace_name);
  if (kind == "ReplicaSet") {
    // <deployment>-<pod-template-hash>; a bare ReplicaSet keeps its own name.
    std::size_t dash = name.rfind('-');
    if (dash != std::string_view::npos && dash > 0 && is_pod_template_hash(name.substr(dash + 1)))
      return WorkloadRef{ns, "Deployment", std::string(name.substr(0, dash))};
    return WorkloadRef{ns, "ReplicaSet", std::string(name)};
  }
  if (kind == "Job") {
    std::size_t dash = name.rfind('-');
    if (dash != std::string_view::npos && dash > 0 && is_cron_schedule(name.substr(dash + 1)))
      return WorkloadRef{ns, "CronJob", std::string(name.substr(0, dash))};
  }
  return WorkloadRef{ns, std::string(kind), std::string(name)};
}

bool could_own(const WorkloadRef& owner, const PodRecord& pod) {
  const std::string& name = pod.name;
  const std::string& kind = owner.kind;
  if (kind == "Pod") return name == owner.name;
  if (kind == "Job") {
    if (const std::string* job = job_name_label(pod)) return *job == owner.name;
  }
  if (kind == "CronJob") {
    if (const std::string* job = job_name_label(pod)) {
      return job->size() > owner.name.size() + 1 && job->starts_with(owner.name) &&
             (*job)[owner.name.size()] == '-' &&
             is_cron_schedule(std::string_view(*job).substr(owner.name.size() + 1));
    }
  }
  if (name.size() <= owner.name.size() + 1 || !name.starts_with(owner.name) ||
      name[owner.name.size()] != '-') {
    return false;
  }
  std::string_view rest = std::string_view(name).substr(owner.name.size() + 1);
  if (kind == "Deployment") return is_hash_and_suffix(rest, label_of(pod, "pod-template-hash"));
  if (kind == "StatefulSet") {
    const std::string* pod_name = label_of(pod, "statefulset.kubernetes.io/pod-name");
    return is_ordinal(rest) && (pod_name == nullptr || *pod_name == name);
  }
  if (kind == "ReplicaSet" || kind == "ReplicationController" || kind == "DaemonSet" ||
      kind == "DaemonSet|Job") {
    return is_random_suffix(rest);
  }
  if (kind == "Job") return is_job_pod_rest(rest);
  if (kind == "CronJob") {
    std::size_t dash = rest.find('-');
    return dash != std::string_view::npos && is_cron_schedule(rest.substr(0, dash)) &&
           is_random_suffix(rest.substr(dash + 1));
  }
  return true;  // an operator's kind: only the <name>- prefix is known
}

bool may_own(const WorkloadMatcher& workload, const PodRecord& pod) {
  if (!namespace_matches(workload, pod.namespace_name)) return false;
  // Samples without labels (some recordings) leave the name to decide.
  if (!workload.selector.empty() && !pod.labels.empty() && !workload.selector.matches(pod.labels))
    return false;
  return could_own(workload.ref, pod);
}

std::vector<WorkloadRef> attribute_pods(const SampleSet& samples,
                                        const std::vector<WorkloadMatcher>& workloads,
                                        std::vector<std::string>* warnings) {
  std::vector<WorkloadRef> refs;
  refs.reserve(samples.pods().size());
  for (const PodRecord& pod : samples.pods()) {
    refs.push_back(attribute_pod(pod, workloads, warnings));
  }
  return refs;
}

}  // namespace podfit

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

bool namespace_matches(const WorkloadRef& workload, std::string_view namespace_name) {
  return workload.namespace_name.empty() || workload.namespace_name == namespace_name;
}

// The manifest workload of the pod's namespace (or of none) with this name and,
// when `kind` is given, this kind. Workloads that name the namespace win.
const WorkloadMatcher* find_by_name(const std::vector<WorkloadMatcher>& workloads,
                                    std::string_view namespace_name, std::string_view name,
                                    std::string_view kind = {}) {
  const WorkloadMatcher* any_namespace = nullptr;
  for (const WorkloadMatcher& workload : workloads) {
    if (workload.ref.name != name || !namespace_matches(workload.ref, namespace_name)) continue;
    if (!kind.empty() && workload.ref.kind != kind) continue;
    if (!workload.ref.namespace_name.empty()) return &workload;
    if (any_namespace == nullptr) any_namespace = &workload;
  }
  return any_namespace;
}

const WorkloadMatcher* find_by_selector(const std::vector<WorkloadMatcher>& workloads,
                                        const PodRecord& pod) {
  const WorkloadMatcher* any_namespace = nullptr;
  for (const WorkloadMatcher& workload : workloads) {
    if (!namespace_matches(workload.ref, pod.namespace_name)) continue;
    if (!workload.selector.matches(pod.labels)) continue;
    if (!workload.ref.namespace_name.empty()) return &workload;
    if (any_namespace == nullptr) any_namespace = &workload;
  }
  return any_namespace;
}

WorkloadRef attribute_pod(const PodRecord& pod, const std::vector<WorkloadMatcher>& workloads) {
  if (const WorkloadMatcher* match = find_by_selector(workloads, pod)) return match->ref;
  // A bare Pod manifest has no selector: its name is the pod's.
  if (const WorkloadMatcher* match = find_by_name(workloads, pod.namespace_name, pod.name, "Pod")) {
    return match->ref;
  }
  WorkloadRef named = workload_of_pod_name(pod.namespace_name, pod.name);
  if (named.kind == "Pod") return named;
  if (const WorkloadMatcher* match = find_by_name(workloads, pod.namespace_name, named.name)) {
    return match->ref;
  }
  return named;
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

std::vector<WorkloadRef> attribute_pods(const SampleSet& samples,
                                        const std::vector<WorkloadMatcher>& workloads) {
  std::vector<WorkloadRef> refs;
  refs.reserve(samples.pods().size());
  for (const PodRecord& pod : samples.pods()) refs.push_back(attribute_pod(pod, workloads));
  return refs;
}

}  // namespace podfit

// Which workload a pod belongs to.
//
// With manifests: the workload of the pod's namespace whose spec.selector
// matches the pod's labels (a workload whose manifest names no namespace
// matches any namespace). Without labels, or without manifests: Kubernetes pod
// naming, which names the workload (Deployment <name>-<hash>-<5>, StatefulSet
// <name>-<ordinal>, DaemonSet/Job <name>-<5>, CronJob <name>-<n>-<5>).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"

namespace podfit {

struct WorkloadMatcher {
  WorkloadRef ref;
  LabelSelector selector;  // empty for kinds matched by name only (Job, CronJob, Pod)
};

// The workload Kubernetes naming implies for a pod name; nullopt when the name
// follows none of the patterns (then the pod is its own workload, kind "Pod").
std::optional<WorkloadRef> workload_from_pod_name(std::string_view namespace_name,
                                                  std::string_view pod_name);

// The workload naming implies, else the pod as its own workload (kind "Pod"): the
// one fallback used wherever only a pod's name is known.
WorkloadRef workload_of_pod_name(std::string_view namespace_name, std::string_view pod_name);

// The workload a pod's owner reference (or kube-state-metrics' owner_kind/owner_name)
// stands for: a ReplicaSet named <name>-<pod-template-hash> is its Deployment's, a Job
// named <name>-<schedule> its CronJob's; any other owner is itself.
WorkloadRef workload_of_owner(std::string_view namespace_name, std::string_view kind,
                              std::string_view name);

// For each pod of `samples` (same index), the workload it belongs to.
// Selector matches win over name matches; with manifests, a pod that matches no
// manifest workload still gets the workload its name implies.
std::vector<WorkloadRef> attribute_pods(const SampleSet& samples,
                                        const std::vector<WorkloadMatcher>& workloads);

}  // namespace podfit

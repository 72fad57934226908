// Which workload a pod belongs to.
//
// A manifest workload owns a pod only if its controller could have created it: the
// pod is in its namespace, its selector matches the pod's labels (when the samples
// carry labels), and the pod is named (and labelled) as that controller names its pods
// (could_own). Among such candidates an exact owner wins; two that remain are
// ambiguous: the pod is credited to neither, with a warning. A pod no manifest owns
// gets the workload Kubernetes naming implies (Deployment <name>-<hash>-<5>,
// StatefulSet <name>-<ordinal>, DaemonSet/Job <name>-<5>, CronJob <name>-<n>-<5>).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"

namespace podfit {

struct WorkloadMatcher {
  WorkloadRef ref;
  LabelSelector selector;  // empty for kinds matched by name only (Job, CronJob, Pod)
  // For a manifest that names no namespace: the namespace it is deployed to (nullopt:
  // any; "" : none, when that could not be decided).
  std::optional<std::string> deployed_namespace;
};

// Whether the controller of `owner` names and labels its pods as `pod` is named and
// labelled: Deployment <name>-<hash>-<5> (the hash equal to a pod-template-hash label),
// ReplicaSet, ReplicationController and DaemonSet <name>-<5>, StatefulSet
// <name>-<ordinal>, Job by its job-name label (else <name>[-<index>]-<5>), CronJob by the
// job-name label <name>-<minutes> (else <name>-<minutes>-<5>), Pod by its name; another
// kind (an operator's) by the prefix <name>-.
bool could_own(const WorkloadRef& owner, const PodRecord& pod);

// Whether `matcher` may own `pod` at all: namespace, selector (when the pod has labels)
// and could_own.
bool may_own(const WorkloadMatcher& matcher, const PodRecord& pod);

// The workload Kubernetes naming implies for a pod name; nullopt when the name
// follows none of the patterns (then the pod is its own workload, kind "Pod").
std::optional<WorkloadRef> workload_from_pod_name(std::string_view namespace_name,
                                                  std::string_view pod_name);

// The workload naming implies, else the pod as its own workload (kind "Pod"): the
// one fallback used wherever only a pod's name is known.
WorkloadRef workload_of_pod_name(std::string_view namespace_name, std::string_view pod_name);

// The workload a pod's controller labels imply (job-name: its Job or CronJob;
// pod-template-hash: its Deployment; statefulset.kubernetes.io/pod-name: its StatefulSet;
// pod-template-generation: its DaemonSet), else workload_of_pod_name. Labels tell apart
// what a name alone cannot (a DaemonSet's <name>-<5> from a Job's).
WorkloadRef workload_of_pod(const PodRecord& pod);

// The workload a pod's owner reference (or kube-state-metrics' owner_kind/owner_name)
// stands for: a ReplicaSet named <name>-<pod-template-hash> is its Deployment's, a Job
// named <name>-<schedule> its CronJob's; any other owner is itself.
WorkloadRef workload_of_owner(std::string_view namespace_name, std::string_view kind,
                              std::string_view name);

// For each pod of `samples` (same index), the workload it belongs to (see the top of
// this file). Each pod that two manifest workloads could own adds a line to `warnings`.
std::vector<WorkloadRef> attribute_pods(const SampleSet& samples,
                                        const std::vector<WorkloadMatcher>& workloads,
                                        std::vector<std::string>* warnings = nullptr);

}  // namespace podfit

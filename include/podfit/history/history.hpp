// One loaded history: what every command reads, whatever the source (recorded
// JSONL, the store, Prometheus, the live cluster), and which workload each pod
// belongs to. Loading is in history/load.hpp; this part is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "podfit/core/compacted_series.hpp"
#include "podfit/core/container_event.hpp"
#include "podfit/core/hour_sketch.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/core/workload_facts.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::history {

// A container's resources as the cluster shows them for one pod (--live).
struct PodResources {
  std::uint32_t pod = 0;  // index into History::samples.pods()
  std::string container;
  Resources current;
};

// First and last time a history covers (inclusive).
struct TimeSpan {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

struct History {
  SampleSet samples;                 // finalized; also holds the pods that only have sketches
  std::vector<HourSketch> sketches;  // compacted hours (the store, long JSONL series)
  // The exact part of the JSONL series folded into `sketches` as they were read (span,
  // trend); such a series has no raw points left in `samples`.
  std::vector<CompactedSeries> compacted;
  std::vector<ContainerEvent> events;  // restarts and OOM kills
  // Current resources as the cluster showed them: per pod (--live), then per workload
  // (as the collector last saw them).
  std::vector<PodResources> live_resources;
  std::vector<WorkloadResources> cluster_resources;
  // Owners the cluster or kube-state-metrics named (they beat the pod name).
  std::map<std::uint32_t, WorkloadRef> owner_of_pod;
  // What the cluster said of pods (--live): their annotations, and the HPAs it runs.
  std::map<std::uint32_t, std::map<std::string, std::string>> pod_annotations;
  std::vector<Autoscaler> live_autoscalers;
  // Pod labels as kube-state-metrics names them (label_<key>): selectors match so.
  bool prometheus_label_names = false;
  std::size_t input_problems = 0;    // skipped lines, queries, manifests (each reported)
  std::vector<std::string> notices;  // warnings that take nothing away (no HPA access)

  // Set by attribute():
  std::vector<WorkloadRef> workload_of_pod;           // same index as samples.pods()
  std::vector<WorkloadResources> manifest_resources;  // what the -f manifests ask for
  // Annotations, labels, containers and HPAs of each workload, as credited (a
  // namespace-less manifest under its deployed namespace): the manifests', else a live pod's.
  std::map<WorkloadRef, WorkloadFacts> workload_facts;
  std::vector<std::string> attribution_warnings;  // pods credited to no manifest, and why
  // Manifests that name no namespace, by their ref, and the namespace they were found
  // deployed to: their pods' workload names it (so reports show it).
  std::map<WorkloadRef, std::string> deployed_namespaces;
};

// Whether `workload` (a recommendation's, a pod's) is the manifest workload `manifest_ref`:
// equal, or the same kind and name in the namespace a namespace-less manifest is deployed to.
bool is_manifest_workload(const WorkloadRef& manifest_ref, const WorkloadRef& workload,
                          const std::map<WorkloadRef, std::string>& deployed_namespaces);

struct AttributionOptions {
  // -n: the namespace the manifests that name none are deployed to. Empty: the kubeconfig
  // context's namespace, else the one namespace their pods are in; pods in several make
  // them own none (with a warning).
  std::string namespace_name;
  std::string context_namespace;  // from kube::context_namespace(); empty when none
  std::string context_name;
};

using ContainerKey = std::pair<WorkloadRef, std::string>;

// Each pod's workload, in this order: the manifest workload that could own it
// (core/attribution.hpp: namespace, selector, the names its controller gives pods);
// else the owner the cluster or kube-state-metrics named; else the workload its name
// implies; else the pod itself. Also takes the manifests' current resources.
void attribute(History& history, const std::vector<manifest::ManifestFile>& manifests,
               const AttributionOptions& options = {});

// Keeps the pods in `namespace_name` (empty: every namespace) whose labels match
// `selector` (empty: all), as -n and -l ask; the others' samples, hours, events and
// resources are dropped (the pod table keeps its indices).
void keep_pods(History& history, const std::string& namespace_name, const LabelSelector& selector);

// Current resources of a workload's container: the manifests', else the live pods',
// else what the collector recorded; empty when none is known.
Resources current_resources(const History& history, const WorkloadRef& ref,
                            const std::string& container);

// The events counted per workload container (a pod not in the samples is named by
// workload_of_pod_name).
std::map<ContainerKey, EventCounts> event_counts(const History& history);

}  // namespace podfit::history

// What the manifests (and the cluster) say of a workload beyond its resources: its
// annotations and labels, how each container runs (init, native sidecar, command line,
// environment) and the HorizontalPodAutoscalers that scale it. The policy reads these
// (docs/policy.md, "Rules that know the workload").
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "podfit/core/workload.hpp"

namespace podfit {

// regular: spec.containers; init: initContainers run to completion before them;
// sidecar: initContainers with restartPolicy: Always (native sidecars, Kubernetes 1.28+).
enum class ContainerRole { regular, init, sidecar };

struct ContainerFacts {
  std::string name;
  ContainerRole role = ContainerRole::regular;
  std::vector<std::string> command_line;   // command, then args (literal strings)
  std::map<std::string, std::string> env;  // env entries with a literal `value`
};

// One metric of an HPA that depends on the container's request.
struct AutoscalerMetric {
  std::string resource;    // "cpu", "memory"; empty for Pods/Object/External metrics
  std::string type;        // "Utilization", "AverageValue", "Value", or the metric type
  double utilization = 0;  // averageUtilization (percent) for "Utilization"
  std::string container;   // a ContainerResource metric's container; empty: the pod's sum
  std::size_t offset = 0;  // byte offset of the utilization value in the file (0: unknown)
  std::size_t line = 0;    // 1-based line of that value
  std::string path;  // its JSON pointer ("/spec/metrics/0/resource/target/averageUtilization")
};

struct Autoscaler {
  WorkloadRef ref;     // the HPA (kind HorizontalPodAutoscaler)
  WorkloadRef target;  // scaleTargetRef, in the HPA's namespace
  std::string api_version;
  std::vector<AutoscalerMetric> metrics;
  std::string file;  // where it was read ("hpa.yaml"; "cluster" for --live)
  std::size_t line = 0;
};

// A scalar of the workload's YAML that podfit may rewrite (an annotation's value).
struct EditableScalar {
  std::string text;        // as written, without quotes
  std::size_t offset = 0;  // byte offset of the scalar (its opening quote if quoted)
  std::size_t line = 0;
};

struct WorkloadFacts {
  std::map<std::string, std::string> annotations;  // the workload's, then its pod template's
  // The pod template's annotations with where they are, for the ones podfit edits
  // (sidecar.istio.io/proxyCPU ...).
  std::map<std::string, EditableScalar> template_annotations;
  Labels labels;  // the pod template's (or a live pod's)
  std::vector<ContainerFacts> containers;
  std::vector<Autoscaler> autoscalers;
  std::string origin;  // "deploy.yaml:3", for the report
};

}  // namespace podfit

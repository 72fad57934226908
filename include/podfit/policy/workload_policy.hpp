// Settings per workload: rules of the --policy file by namespace and label selector, and
// podfit.io/<setting> annotations on the workload (docs/policy.md, "Per-workload settings").
// Also the rules that read the workload itself: a runtime's fixed heap, HPAs on the
// request, init containers and mesh-injected sidecars. Pure: no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/core/workload_facts.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::policy {

inline constexpr const char* kAnnotationPrefix = "podfit.io/";

struct PolicyRule {
  std::string origin;          // "policy.yaml:7 (rule)"
  std::string namespace_name;  // empty: any
  LabelSelector selector;      // empty: any
  std::map<std::string, std::string> settings;
};

// The policy of a run: the settings for every workload, then the rules in order.
struct PolicySet {
  PolicyOptions base;
  std::vector<PolicyRule> rules;
};

// A rule from the policy file's text; its selector and settings are checked here, so a
// bad one fails before any workload is read. Errors name `origin`.
Result<PolicyRule> make_rule(std::string origin, std::string namespace_name,
                             const std::string& selector,
                             std::map<std::string, std::string> settings);

// One workload's policy: the base, then each matching rule, then its podfit.io/
// annotations (the most specific last).
struct WorkloadPolicy {
  PolicyOptions options;
  bool ignored = false;              // podfit.io/ignore: "true"
  std::vector<std::string> origins;  // "cpu-limit=none from annotation podfit.io/cpu-limit"
  std::string error;                 // a bad annotation: no recommendation, and this says why
};
WorkloadPolicy resolve_policy(const PolicySet& set, const WorkloadRef& workload,
                              const WorkloadFacts* facts);

// A heap the container's runtime is told to keep to (flags and environment).
struct RuntimeHeap {
  std::string runtime;  // "JVM", "Node.js", "Go"
  std::string flag;     // as written: "-Xmx1g", "-XX:MaxRAMPercentage=75", "GOMEMLIMIT=900MiB"
  double bytes = 0;     // a fixed heap; 0 when it follows the limit
  double percent = 0;   // -XX:MaxRAMPercentage: the heap is this % of the memory limit
  double overhead = 1;  // the limit is at least bytes x this (non-heap memory)
};
// The heap set by `container`'s command line or environment (JAVA_TOOL_OPTIONS,
// JDK_JAVA_OPTIONS, JAVA_OPTS, NODE_OPTIONS, GOMEMLIMIT), the last setting winning as the
// runtime reads them; nullopt when none is set.
std::optional<RuntimeHeap> find_runtime_heap(const ContainerFacts& container);

// The workload-wide rules, over all its containers' recommendations at once: an init
// container's CPU request stays within the app containers' (it runs alone before them),
// HPAs keep their scaling point (a new averageUtilization, or a bounded request), and
// mesh sidecars are placed on their annotations.
void apply_workload_rules(std::vector<Recommendation*>& containers, const WorkloadFacts& facts);

}  // namespace podfit::policy

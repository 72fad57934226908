// What the cluster says about the pods right now: labels, the workload that owns
// each pod, current requests/limits, restarts and OOM kills (for --live).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/kube/client.hpp"
#include "podfit/kube/metrics.hpp"

namespace podfit::kube {

struct LiveContainer {
  std::string name;
  Resources current;  // from the pod spec
  int restart_count = 0;
  std::string last_termination_reason;  // lastState.terminated.reason ("OOMKilled", ...)
  std::string last_termination_time;    // lastState.terminated.finishedAt
  bool oom_killed() const { return last_termination_reason == "OOMKilled"; }
};

struct LivePod {
  std::string namespace_name;
  std::string name;
  Labels labels;
  std::map<std::string, std::string> annotations;
  WorkloadRef owner;  // Deployment/StatefulSet/DaemonSet/CronJob/Job/ReplicaSet, or kind "Pod"
  std::vector<LiveContainer> containers;
};

struct LiveState {
  std::vector<LivePod> pods;
  // HorizontalPodAutoscalerList pages (autoscaling/v2) as the API server sent them: the
  // manifest module reads HPAs, whatever their source.
  std::vector<std::string> autoscaler_pages;
  std::string autoscaler_problem;  // why none could be listed (403: RBAC), or empty
};

// Lists pods page by page (limit/continue). `owner` is the pod's direct
// controller only (a ReplicaSet, a Job, ...), not yet followed up the chain.
Result<std::vector<LivePod>> list_pods(ApiClient& client, const Scope& scope,
                                       std::size_t page_size = 500);

// list_pods, then owners followed up the chain: ReplicaSet -> Deployment and
// Job -> CronJob (each owner fetched once), then the HPAs of the scope.
Result<LiveState> read_live_state(ApiClient& client, const Scope& scope,
                                  std::size_t page_size = 500);

// The memory a container that was OOM-killed must get at least: its memory
// limit at the time of the kill plus 20%. nullopt when it was not OOM-killed or
// had no memory limit.
std::optional<double> oom_memory_floor_bytes(const LiveContainer& container);

}  // namespace podfit::kube

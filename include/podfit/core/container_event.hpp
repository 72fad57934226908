// Restarts and OOM kills: one type for every source that sees them (collect's
// events file, the store, --live, kube-state-metrics) and the policy that reads them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace podfit {

// A restart or OOM kill of a container.
struct ContainerEvent {
  std::string namespace_name, pod, container;
  std::int64_t time_ns = 0;  // lastState.terminated.finishedAt (0: unknown)
  std::string reason;        // "OOMKilled", "Error", ...
  int restart_count = 0;
  std::optional<double> memory_limit_bytes;  // the container's memory limit then

  bool oom_killed() const { return reason == "OOMKilled"; }
};

// The events of one workload's container, counted.
struct EventCounts {
  std::size_t restarts = 0;
  std::size_t oom_kills = 0;
  double oom_memory_limit_bytes = 0;  // the highest memory limit in force at a kill

  void add(const ContainerEvent& event) {
    ++restarts;
    if (!event.oom_killed()) return;
    ++oom_kills;
    oom_memory_limit_bytes = std::max(oom_memory_limit_bytes, event.memory_limit_bytes.value_or(0));
  }
};

}  // namespace podfit

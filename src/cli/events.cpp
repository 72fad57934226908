#include "cli/events.hpp"

#include <chrono>
#include <filesystem>

#include "podfit/core/attribution.hpp"
#include "podfit/quantity/quantity.hpp"
#include "podfit/source/recorded.hpp"

namespace podfit::cli {

store::ContainerEvent to_store_event(const kube::ContainerEvent& seen) {
  store::ContainerEvent event;
  event.namespace_name = seen.namespace_name;
  event.pod = seen.pod;
  event.container = seen.container;
  event.reason = seen.reason;
  event.restart_count = seen.restart_count;
  auto finished = source::parse_rfc3339_ns(seen.finished_at);
  event.time_ns = finished ? *finished
                           : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  if (!seen.memory_limit.empty()) {
    if (auto limit = quantity::parse(seen.memory_limit)) event.memory_limit_bytes = limit->value();
  }
  return event;
}

std::vector<store::ContainerEvent> read_events_beside(const std::string& samples_path,
                                                      std::ostream& diagnostics,
                                                      std::size_t& problems) {
  std::vector<store::ContainerEvent> events;
  std::string path = kube::events_path(samples_path);
  std::error_code error;
  if (samples_path == "-" || !std::filesystem::is_regular_file(path, error)) return events;
  auto seen = kube::read_events_file(path);
  if (!seen) {
    diagnostics << "podfit: warning: " << seen.error().message << " (events ignored)\n";
    ++problems;
    return events;
  }
  for (const kube::ContainerEvent& event : *seen) events.push_back(to_store_event(event));
  return events;
}

std::map<ContainerKey, policy::ContainerEvents> events_by_container(
    const std::vector<store::ContainerEvent>& events, const SampleSet& samples,
    const std::vector<WorkloadRef>& workload_of_pod) {
  std::map<std::pair<std::string, std::string>, std::size_t> pod_index;
  for (std::size_t i = 0; i < samples.pods().size(); ++i) {
    pod_index[{samples.pods()[i].namespace_name, samples.pods()[i].name}] = i;
  }
  std::map<ContainerKey, policy::ContainerEvents> result;
  for (const store::ContainerEvent& event : events) {
    WorkloadRef workload;
    auto found = pod_index.find({event.namespace_name, event.pod});
    if (found != pod_index.end() && found->second < workload_of_pod.size()) {
      workload = workload_of_pod[found->second];
    } else if (auto named = workload_from_pod_name(event.namespace_name, event.pod)) {
      workload = *named;
    } else {
      workload = WorkloadRef{event.namespace_name, "Pod", event.pod};
    }
    policy::ContainerEvents& counts = result[{workload, event.container}];
    ++counts.restarts;
    if (event.reason == "OOMKilled") {
      ++counts.oom_kills;
      counts.oom_memory_limit_bytes =
          std::max(counts.oom_memory_limit_bytes, event.memory_limit_bytes.value_or(0));
    }
  }
  return result;
}

}  // namespace podfit::cli

// Each recommendation's usage over time and its events, from the history it came from.
#include <algorithm>
#include <map>
#include <utility>

#include "podfit/report/html_report.hpp"

namespace podfit::report {

std::vector<HtmlContainer> html_containers(const std::vector<policy::Recommendation>& all,
                                           const history::History& history) {
  using Key = std::pair<WorkloadRef, std::string>;
  std::map<Key, std::size_t> index;
  std::vector<HtmlContainer> containers(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    containers[i].recommendation = &all[i];
    index.emplace(Key{all[i].stats.workload, all[i].stats.container}, i);
  }
  auto workload_of = [&](std::uint32_t pod) {
    return pod < history.workload_of_pod.size() ? history.workload_of_pod[pod] : WorkloadRef{};
  };
  for (const ContainerSeries& series : history.samples.series()) {
    auto found = index.find({workload_of(series.pod), series.container});
    if (found == index.end()) continue;
    auto& usage = containers[found->second].usage;
    usage.insert(usage.end(), series.points.begin(), series.points.end());
  }
  // A compacted hour draws as its lowest and highest value.
  for (const HourSketch& hour : history.sketches) {
    auto found = index.find({workload_of(hour.pod), hour.container});
    if (found == index.end()) continue;
    auto& usage = containers[found->second].usage;
    usage.push_back({hour.hour_start_ns, hour.cpu.quantile(0), hour.memory.quantile(0)});
    usage.push_back({(hour.hour_start_ns + hour.end()) / 2, hour.cpu.max(), hour.memory.max()});
  }
  std::map<std::pair<std::string, std::string>, std::uint32_t> pod_index;
  const std::vector<PodRecord>& pods = history.samples.pods();
  for (std::uint32_t i = 0; i < pods.size(); ++i) pod_index[{pods[i].namespace_name, pods[i].name}] = i;
  for (const ContainerEvent& event : history.events) {
    auto pod = pod_index.find({event.namespace_name, event.pod});
    if (pod == pod_index.end()) continue;
    auto found = index.find({workload_of(pod->second), event.container});
    if (found != index.end()) containers[found->second].events.push_back(event);
  }
  for (HtmlContainer& container : containers) {
    std::sort(container.usage.begin(), container.usage.end(),
              [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns < b.time_ns; });
  }
  return containers;
}

}  // namespace podfit::report

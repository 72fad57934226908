// Each recommendation's usage over time and its events, from the history it came from:
// one pass for each container's time range, one to fill its chart columns.
#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "podfit/report/html_report.hpp"
#include "report/svg_chart.hpp"

namespace podfit::report {

namespace {

struct Builder {
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  Envelope cpu, memory;

  void see(std::int64_t time_ns) {
    first = std::min(first, time_ns);
    last = std::max(last, time_ns);
  }
  void start() {
    if (first > last) return;
    cpu = Envelope(first, last);
    memory = Envelope(first, last);
  }
  void add(std::int64_t time_ns, double cores, double bytes) {
    cpu.add(time_ns, cores);
    memory.add(time_ns, bytes);
  }
  UsageColumns columns() const {
    if (cpu.empty()) return {};
    return {first, last, cpu.low, cpu.high, memory.low, memory.high};
  }
};

}  // namespace

std::vector<HtmlContainer> html_containers(const std::vector<policy::Recommendation>& all,
                                           const history::History& history, std::int64_t from_ns) {
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
  std::vector<Builder> builders(all.size());
  // A compacted hour draws as its lowest and highest value, at its start and middle (a
  // part of hours, its lowest at its start and its peaks at their hours).
  auto hour_times = [](const HourSketch& hour) {
    return std::pair{hour.hour_start_ns, (hour.hour_start_ns + hour.end()) / 2};
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (const ContainerSeries& series : history.samples.series()) {
      auto found = index.find({workload_of(series.pod), series.container});
      if (found == index.end()) continue;
      Builder& builder = builders[found->second];
      for (const SamplePoint& point : series.points) {
        if (point.time_ns < from_ns) continue;
        if (pass == 0) {
          builder.see(point.time_ns);
        } else {
          builder.add(point.time_ns, point.cpu_cores, point.memory_bytes);
        }
      }
    }
    for (const HourSketch& hour : history.sketches) {
      auto found = index.find({workload_of(hour.pod), hour.container});
      auto [start, middle] = hour_times(hour);
      if (found == index.end() || start < from_ns) continue;
      Builder& builder = builders[found->second];
      if (pass == 0) {
        builder.see(start);
        builder.see(middle);
        for (const SamplePoint& peak : hour.peaks) builder.see(peak.time_ns);
      } else {
        builder.add(start, hour.cpu.quantile(0), hour.memory.quantile(0));
        builder.add(middle, hour.cpu.max(), hour.memory.max());
        // A backtest's part of hours draws each hour's peak too.
        for (const SamplePoint& peak : hour.peaks) {
          builder.add(peak.time_ns, peak.cpu_cores, peak.memory_bytes);
        }
      }
    }
    if (pass == 0) {
      for (Builder& builder : builders) builder.start();
    }
  }
  for (std::size_t i = 0; i < all.size(); ++i) containers[i].usage = builders[i].columns();
  std::map<std::pair<std::string, std::string>, std::uint32_t> pod_index;
  const std::vector<PodRecord>& pods = history.samples.pods();
  for (std::uint32_t i = 0; i < pods.size(); ++i) {
    pod_index[{pods[i].namespace_name, pods[i].name}] = i;
  }
  for (const ContainerEvent& event : history.events) {
    auto pod = pod_index.find({event.namespace_name, event.pod});
    if (pod == pod_index.end()) continue;
    auto found = index.find({workload_of(pod->second), event.container});
    if (found != index.end()) containers[found->second].events.push_back(event);
  }
  return containers;
}

}  // namespace podfit::report

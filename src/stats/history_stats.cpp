// Statistics over raw samples plus the merged hour sketches of compacted history.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "podfit/stats/summary.hpp"

namespace podfit::stats {

namespace {

using PoolKey = std::pair<WorkloadRef, std::string>;

struct SketchPool {
  std::set<std::uint32_t> pods;
  QuantileSketch cpu;
  QuantileSketch memory;
  std::int64_t first_ns = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ns = std::numeric_limits<std::int64_t>::min();
};

WorkloadRef workload_of(const SampleSet& samples, const std::vector<WorkloadRef>& workload_of_pod,
                        std::uint32_t pod) {
  if (pod < workload_of_pod.size()) return workload_of_pod[pod];
  const PodRecord& record = samples.pods()[pod];
  return WorkloadRef{record.namespace_name, "Pod", record.name};
}

Summary summary_of(const QuantileSketch& sketch) {
  Summary summary;
  summary.count = sketch.count();
  summary.mean = sketch.mean();
  summary.p50 = sketch.quantile(50);
  summary.p90 = sketch.quantile(90);
  summary.p95 = sketch.quantile(95);
  summary.p99 = sketch.quantile(99);
  summary.max = sketch.max();
  summary.burst_ratio = burst_ratio(summary.max, summary.p50);
  return summary;
}

}  // namespace

std::vector<ContainerStats> compute_history_stats(const SampleSet& raw,
                                                  const std::vector<SketchedHour>& hours,
                                                  const std::vector<WorkloadRef>& workload_of_pod) {
  std::map<PoolKey, SketchPool> pools;
  for (const SketchedHour& hour : hours) {
    SketchPool& pool = pools[{workload_of(raw, workload_of_pod, hour.pod), hour.container}];
    pool.pods.insert(hour.pod);
    // Sketches of one store share one accuracy, so merging cannot fail here.
    (void)pool.cpu.merge(*hour.cpu);
    (void)pool.memory.merge(*hour.memory);
    pool.first_ns = std::min(pool.first_ns, hour.hour_start_ns);
    pool.last_ns = std::max(pool.last_ns, hour.hour_start_ns + std::int64_t{3600} * 1000000000);
  }
  std::vector<ContainerStats> result;
  // Trends need points in time order, which sketches do not keep: a sketched container
  // takes its memory growth from the exact stats of its raw part.
  std::map<PoolKey, ContainerStats> raw_trends;
  for (ContainerStats& exact : compute_container_stats(raw, workload_of_pod)) {
    PoolKey key{exact.workload, exact.container};
    if (pools.count(key) == 0) {
      result.push_back(std::move(exact));
    } else {
      raw_trends.emplace(std::move(key), std::move(exact));
    }
  }
  for (const ContainerSeries& series : raw.series()) {
    auto found = pools.find({workload_of(raw, workload_of_pod, series.pod), series.container});
    if (found == pools.end() || series.points.empty()) continue;
    SketchPool& pool = found->second;
    pool.pods.insert(series.pod);
    for (const SamplePoint& point : series.points) {
      pool.cpu.add(point.cpu_cores);
      pool.memory.add(point.memory_bytes);
    }
    auto window_ns = static_cast<std::int64_t>(series.first_window_seconds * 1e9);
    pool.first_ns = std::min(pool.first_ns, series.points.front().time_ns - window_ns);
    pool.last_ns = std::max(pool.last_ns, series.points.back().time_ns);
  }
  for (auto& [key, pool] : pools) {
    ContainerStats stats;
    stats.workload = key.first;
    stats.container = key.second;
    stats.pods = pool.pods.size();
    stats.samples = pool.cpu.count();
    stats.window_seconds = static_cast<double>(pool.last_ns - pool.first_ns) / 1e9;
    stats.cpu = summary_of(pool.cpu);
    stats.memory = summary_of(pool.memory);
    if (auto trend = raw_trends.find(key); trend != raw_trends.end()) {
      stats.memory_growth_per_second = trend->second.memory_growth_per_second;
      stats.longest_pod_seconds = trend->second.longest_pod_seconds;
    }
    result.push_back(std::move(stats));
  }
  std::sort(result.begin(), result.end(), [](const ContainerStats& a, const ContainerStats& b) {
    return std::tie(a.workload, a.container) < std::tie(b.workload, b.container);
  });
  return result;
}

}  // namespace podfit::stats

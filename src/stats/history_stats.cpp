// Statistics over raw samples plus the merged hour sketches of compacted history.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "podfit/stats/summary.hpp"

#include "podfit/core/parallel.hpp"

#include "container_pools.hpp"

namespace podfit::stats {

namespace {

using PoolKey = std::pair<WorkloadRef, std::string>;

struct SketchPool {
  std::set<std::uint32_t> pods;
  QuantileSketch cpu;
  QuantileSketch memory;
  std::int64_t first_ns = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ns = std::numeric_limits<std::int64_t>::min();
  std::vector<const HourSketch*> hours;                          // kept for time decay
  std::vector<const ContainerSeries*> series;                    // the raw part, likewise
  std::map<std::uint32_t, std::pair<double, double>> pod_peaks;  // cpu, memory
  std::map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> pod_spans;
  // From folded series (CompactedSeries): their exact memory growth and longest pod.
  double folded_growth_per_second = 0;
  double folded_longest_pod_seconds = 0;
  // Their earliest point and its window, picked as compute_container_stats picks them
  // (the larger window on a tie), so the time covered is the same as unfolded.
  std::int64_t folded_first_ns = std::numeric_limits<std::int64_t>::max();
  double folded_first_window_seconds = 0;

  void add_pod_peak(std::uint32_t pod, double cpu_max, double memory_max) {
    auto& peak = pod_peaks[pod];
    peak.first = std::max(peak.first, cpu_max);
    peak.second = std::max(peak.second, memory_max);
  }
  void add_pod_range(std::uint32_t pod, double cpu_max, double memory_max, std::int64_t first,
                     std::int64_t last) {
    auto& peak = pod_peaks[pod];
    peak.first = std::max(peak.first, cpu_max);
    peak.second = std::max(peak.second, memory_max);
    auto [span, fresh] = pod_spans.try_emplace(pod, first, last);
    span->second.first = std::min(span->second.first, first);
    span->second.second = std::max(span->second.second, last);
  }
};

using detail::workload_of;

// A request at the exact max leaves max - mean idle and nothing above it, whatever the
// sketch's buckets say.
void exact_top_of_tail(Summary& summary) {
  if (summary.tail.empty()) return;
  TailPoint& top = summary.tail.back();
  top.value = summary.max;
  top.share_above = 0;
  top.mean_idle = std::max(summary.max - summary.mean, 0.0);
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
  std::vector<double> levels;
  for (double q : tail_levels()) levels.push_back(q >= 100 ? summary.max : sketch.quantile(q));
  summary.tail = tail_of(tail_levels(), levels, [&](auto&& take) {
    sketch.for_each_bucket(
        [&](double value, std::uint64_t count) { take(value, static_cast<double>(count)); });
  });
  exact_top_of_tail(summary);
  return summary;
}

// Weighted values of one resource, with the exact weighted sum for the mean.
struct WeightedPart {
  std::vector<WeightedValue> values;
  // Hours share the bucket grid: their buckets are summed per value here, so a month
  // of hours adds a few hundred values to sort, not a hundred per hour. (Equal values'
  // weights add up in the weighted CDF anyway: the percentiles are the same.)
  std::unordered_map<double, double> bucket_weights;
  long double weighted_sum = 0;

  void add_hour(const QuantileSketch& sketch, double weight) {
    sketch.for_each_bucket([&](double value, std::uint64_t count) {
      bucket_weights[value] += weight * static_cast<double>(count);
    });
    weighted_sum += static_cast<long double>(sketch.sum()) * weight;
  }
  // Hours merged with their weights (HourSketch::decay), each weight times `scale`; the
  // bucket values on the grid of `counts`, the merged sketch.
  void add_weighted(const DecayWeights::Buckets& buckets, const QuantileSketch& counts,
                    double scale) {
    for_each_weighted(buckets, counts, counts.max(), scale,
                      [&](double value, double weight) { bucket_weights[value] += weight; });
    weighted_sum += buckets.weighted_sum * scale;
  }
  void add(double value, double weight) {
    values.push_back({value, weight});
    weighted_sum += static_cast<long double>(value) * weight;
  }
  // Percentiles from the (partly bucketed) values; count, mean and max exact.
  Summary summary(const QuantileSketch& all, long double total_weight) {
    for (const auto& [value, weight] : bucket_weights) values.push_back({value, weight});
    Summary summary = summarize_weighted(std::move(values));
    summary.count = all.count();
    summary.mean = static_cast<double>(weighted_sum / total_weight);
    summary.max = all.max();
    summary.burst_ratio = burst_ratio(summary.max, summary.p50);
    exact_top_of_tail(summary);
    return summary;
  }
};

std::int64_t midpoint(const HourSketch& hour) {
  return hour.hour_start_ns + (hour.end() - hour.hour_start_ns) / 2;
}

// Each hour weighs what its midpoint would, each raw point its own weight; ages count
// from the pool's newest point (which only keeps the weights from underflowing).
void summarize_decayed(const SketchPool& pool, double half_life_seconds, ContainerStats& stats) {
  std::int64_t newest_ns = std::numeric_limits<std::int64_t>::min();
  for (const HourSketch* hour : pool.hours) {
    newest_ns =
        std::max(newest_ns, hour->decay ? hour->decay->newest_midpoint_ns : midpoint(*hour));
  }
  for (const ContainerSeries* series : pool.series) {
    for (const SamplePoint& point : series->points) newest_ns = std::max(newest_ns, point.time_ns);
  }
  auto weight_at = [&](std::int64_t time_ns) {
    return decay_weight(static_cast<double>(newest_ns - time_ns) / 1e9, half_life_seconds);
  };
  WeightedPart cpu, memory;
  long double sum = 0, sum_squares = 0;
  for (const HourSketch* hour : pool.hours) {
    if (const DecayWeights* decay = hour->decay.get()) {  // hours merged, with their weights
      double scale = decay->scale_at(newest_ns);
      cpu.add_weighted(decay->cpu, hour->cpu, scale);
      memory.add_weighted(decay->memory, hour->memory, scale);
      sum += decay->weight * scale;
      sum_squares += decay->weight_squares * scale * scale;
      continue;
    }
    double weight = weight_at(midpoint(*hour));
    cpu.add_hour(hour->cpu, weight);
    memory.add_hour(hour->memory, weight);
    auto count = static_cast<long double>(hour->cpu.count());
    sum += count * weight;
    sum_squares += count * weight * weight;
  }
  for (const ContainerSeries* series : pool.series) {
    for (const SamplePoint& point : series->points) {
      double weight = weight_at(point.time_ns);
      cpu.add(point.cpu_cores, weight);
      memory.add(point.memory_bytes, weight);
      sum += weight;
      sum_squares += static_cast<long double>(weight) * weight;
    }
  }
  stats.cpu = cpu.summary(pool.cpu, sum);
  stats.memory = memory.summary(pool.memory, sum);
  stats.half_life_seconds = half_life_seconds;
  stats.effective_samples =
      effective_samples(static_cast<double>(sum), static_cast<double>(sum_squares));
}

// The statistics of one pool, once its raw values join its merged hour sketches.
ContainerStats summarize_pool(const PoolKey& key, SketchPool& pool, double half_life_seconds) {
  for (const ContainerSeries* series : pool.series) {
    pool.cpu.add_each(series->points, [](const SamplePoint& point) { return point.cpu_cores; });
    pool.memory.add_each(series->points,
                         [](const SamplePoint& point) { return point.memory_bytes; });
  }
  ContainerStats stats;
  stats.workload = key.first;
  stats.container = key.second;
  stats.pods = pool.pods.size();
  // Sketches that kept every value give exact percentiles; decay weights on the bucket
  // grid (HourSketch::decay) do not.
  bool grid_weights = half_life_seconds > 0 &&
                      std::any_of(pool.hours.begin(), pool.hours.end(),
                                  [](const HourSketch* hour) { return hour->decay != nullptr; });
  stats.sketched = !pool.cpu.exact() || !pool.memory.exact() || grid_weights;
  for (const ContainerSeries* series : pool.series) {
    for (const SamplePoint& point : series->points) {
      pool.add_pod_range(series->pod, point.cpu_cores, point.memory_bytes, point.time_ns,
                         point.time_ns);
    }
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  for (const auto& [pod, peak] : pool.pod_peaks) {
    stats.pod_cpu_peaks.push_back(peak.first);
    stats.pod_memory_peaks.push_back(peak.second);
    spans.push_back(pool.pod_spans.at(pod));
  }
  stats.max_concurrent_pods = max_overlap(std::move(spans));
  stats.samples = pool.cpu.count();
  stats.window_seconds = static_cast<double>(pool.last_ns - pool.first_ns) / 1e9;
  if (pool.folded_first_ns != std::numeric_limits<std::int64_t>::max()) {
    double folded = static_cast<double>(pool.last_ns - pool.folded_first_ns) / 1e9 +
                    pool.folded_first_window_seconds;
    stats.window_seconds = pool.first_ns == std::numeric_limits<std::int64_t>::max()
                               ? folded
                               : std::max(stats.window_seconds, folded);
  }
  if (half_life_seconds > 0) {
    summarize_decayed(pool, half_life_seconds, stats);
  } else {
    stats.cpu = summary_of(pool.cpu);
    stats.memory = summary_of(pool.memory);
    stats.effective_samples = static_cast<double>(stats.samples);
  }
  return stats;
}

// One CompactedSeries per (pod, container): a backtest's window holds one per part of a
// folded series, and merged they are its exact part over the window (the same trend as
// over all its points).
std::vector<CompactedSeries> merged_by_series(const std::vector<CompactedSeries>& compacted) {
  std::map<std::pair<std::uint32_t, std::string>, CompactedSeries> merged;
  for (const CompactedSeries& part : compacted) {
    auto [slot, fresh] = merged.try_emplace({part.pod, part.container}, part);
    if (fresh) continue;
    CompactedSeries& series = slot->second;
    if (part.first_ns < series.first_ns ||
        (part.first_ns == series.first_ns &&
         part.first_window_seconds > series.first_window_seconds)) {
      series.first_ns = part.first_ns;
      series.first_window_seconds = part.first_window_seconds;
    }
    if (part.last_ns >= series.last_ns) {
      series.last_ns = part.last_ns;
      series.last_cpu_cores = part.last_cpu_cores;
      series.last_memory_bytes = part.last_memory_bytes;
    }
    series.memory_trend.merge(part.memory_trend);
  }
  std::vector<CompactedSeries> list;
  for (auto& [key, series] : merged) list.push_back(std::move(series));
  return list;
}

}  // namespace

std::vector<ContainerStats> compute_history_stats(const SampleSet& raw,
                                                  const std::vector<HourSketch>& hours,
                                                  const std::vector<WorkloadRef>& workload_of_pod,
                                                  double half_life_seconds,
                                                  const std::vector<CompactedSeries>& compacted) {
  std::map<PoolKey, SketchPool> pools;
  // Pools by pod, then container (a pod has a few): hundreds of thousands of hours
  // would otherwise each build a workload key and search the map with it.
  std::vector<std::vector<std::pair<const std::string*, SketchPool*>>> pools_of_pod(
      raw.pods().size());
  auto pool_of = [&](std::uint32_t pod, const std::string& name) -> SketchPool& {
    if (pod >= pools_of_pod.size()) pools_of_pod.resize(pod + std::size_t{1});
    auto& known = pools_of_pod[pod];
    for (const auto& [container, pool] : known) {
      if (*container == name) return *pool;
    }
    auto& pool = pools[{workload_of(raw, workload_of_pod, pod), name}];
    pool.pods.insert(pod);
    known.emplace_back(&name, &pool);
    return pool;
  };
  // Folded series know their exact times: their hours give only values and peaks (a
  // store's own compacted hours of the same container still give their time).
  for (const HourSketch& hour : hours) {
    SketchPool& pool = pool_of(hour.pod, hour.container);
    pool.hours.push_back(&hour);
    // Sketches of one store share one accuracy, so merging cannot fail here.
    (void)pool.cpu.merge(hour.cpu);
    (void)pool.memory.merge(hour.memory);
    if (hour.folded) {
      pool.add_pod_peak(hour.pod, hour.cpu.max(), hour.memory.max());
      continue;
    }
    pool.first_ns = std::min(pool.first_ns, hour.hour_start_ns);
    pool.last_ns = std::max(pool.last_ns, hour.end());
    pool.add_pod_range(hour.pod, hour.cpu.max(), hour.memory.max(), hour.hour_start_ns, hour.end());
  }
  for (const CompactedSeries& series : merged_by_series(compacted)) {
    SketchPool& pool = pool_of(series.pod, series.container);
    if (series.first_ns < pool.folded_first_ns ||
        (series.first_ns == pool.folded_first_ns &&
         series.first_window_seconds > pool.folded_first_window_seconds)) {
      pool.folded_first_ns = series.first_ns;
      pool.folded_first_window_seconds = series.first_window_seconds;
    }
    pool.last_ns = std::max(pool.last_ns, series.last_ns);
    pool.add_pod_range(series.pod, 0, 0, series.first_ns, series.last_ns);
    double span_seconds = static_cast<double>(series.last_ns - series.first_ns) / 1e9;
    pool.folded_longest_pod_seconds = std::max(pool.folded_longest_pod_seconds, span_seconds);
    pool.folded_growth_per_second =
        std::max(pool.folded_growth_per_second,
                 detail::steady_growth(moments_trend(series.memory_trend), span_seconds,
                                       series.memory_trend.mean_memory()));
  }
  // The raw part of a sketched container joins its pool; its values go into the
  // pool's sketches below.
  for (const ContainerSeries& series : raw.series()) {
    auto found = pools.find({workload_of(raw, workload_of_pod, series.pod), series.container});
    if (found == pools.end() || series.points.empty()) continue;
    SketchPool& pool = found->second;
    pool.pods.insert(series.pod);
    pool.series.push_back(&series);
    auto window_ns = static_cast<std::int64_t>(series.first_window_seconds * 1e9);
    pool.first_ns = std::min(pool.first_ns, series.points.front().time_ns - window_ns);
    pool.last_ns = std::max(pool.last_ns, series.points.back().time_ns);
  }
  std::vector<std::pair<const PoolKey*, SketchPool*>> jobs;
  for (auto& [key, pool] : pools) jobs.emplace_back(&key, &pool);
  // Job 0 is the exact statistics of the containers without sketches, and the
  // trends of those with them (trends need points in time order, which sketches
  // do not keep); the others summarize one pool each. They share nothing.
  std::vector<ContainerStats> exact, pooled(jobs.size());
  parallel_for(jobs.size() + 1, [&](std::size_t job) {
    if (job == 0) {
      auto sketched = [&](const WorkloadRef& workload, const std::string& container) {
        return pools.count({workload, container}) > 0;
      };
      exact = detail::container_stats(raw, workload_of_pod, half_life_seconds, sketched);
    } else {
      const auto& [key, pool] = jobs[job - 1];
      pooled[job - 1] = summarize_pool(*key, *pool, half_life_seconds);
    }
  });
  std::map<PoolKey, const ContainerStats*> trends;
  std::vector<ContainerStats> result;
  for (ContainerStats& stats : exact) {
    if (pools.count({stats.workload, stats.container}) == 0) {
      result.push_back(std::move(stats));
    } else {
      trends.emplace(PoolKey{stats.workload, stats.container}, &stats);
    }
  }
  for (std::size_t i = 0; i < pooled.size(); ++i) {
    ContainerStats& stats = pooled[i];
    if (auto trend = trends.find({stats.workload, stats.container}); trend != trends.end()) {
      stats.memory_growth_per_second = trend->second->memory_growth_per_second;
      stats.longest_pod_seconds = trend->second->longest_pod_seconds;
    }
    const SketchPool& pool = *jobs[i].second;
    stats.memory_growth_per_second =
        std::max(stats.memory_growth_per_second, pool.folded_growth_per_second);
    stats.longest_pod_seconds =
        std::max(stats.longest_pod_seconds, pool.folded_longest_pod_seconds);
    result.push_back(std::move(stats));
  }
  std::sort(result.begin(), result.end(), [](const ContainerStats& a, const ContainerStats& b) {
    return std::tie(a.workload, a.container) < std::tie(b.workload, b.container);
  });
  return result;
}

}  // namespace podfit::stats

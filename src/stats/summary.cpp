#include "podfit/stats/summary.hpp"

#include "container_pools.hpp"

#include "podfit/core/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace podfit::stats {
namespace {

// numpy's lerp: from the nearer end, so t = 1 gives exactly `b`.
double lerp(double a, double b, double t) {
  double difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}

struct Pool {
  std::set<std::uint32_t> pods;
  std::vector<double> cpu;
  std::vector<double> memory;
  std::vector<std::int64_t> times_ns;  // beside cpu and memory, only for time decay
  bool trend_only = false;             // no values kept: the percentiles come from elsewhere
  std::int64_t first_ns = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ns = std::numeric_limits<std::int64_t>::min();
  double first_window_seconds = 0;
  double memory_growth_per_second = 0;
  double longest_pod_seconds = 0;
  std::map<std::uint32_t, std::pair<double, double>> pod_peaks;  // cpu, memory
  std::map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> pod_spans;
};

constexpr double kMinTrendFit = 0.5;      // R^2
constexpr double kMinTrendGrowth = 0.05;  // of the pod's mean memory over its span

// The pod's memory growth when it is steady and material enough to project, else 0.
double steady_growth(const ContainerSeries& series, double span_seconds) {
  Trend trend = memory_trend(series.points);
  if (trend.slope <= 0 || trend.r_squared < kMinTrendFit) return 0;
  double mean = 0;
  for (const SamplePoint& point : series.points) mean += point.memory_bytes;
  mean /= static_cast<double>(series.points.size());
  return detail::steady_growth(trend, span_seconds, mean);
}

void add_series(Pool& pool, const ContainerSeries& series, bool keep_times) {
  pool.pods.insert(series.pod);
  auto [earliest, latest] = std::minmax_element(
      series.points.begin(), series.points.end(),
      [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns < b.time_ns; });
  if (earliest->time_ns < pool.first_ns ||
      (earliest->time_ns == pool.first_ns &&
       series.first_window_seconds > pool.first_window_seconds)) {
    pool.first_ns = earliest->time_ns;
    pool.first_window_seconds = series.first_window_seconds;
  }
  pool.last_ns = std::max(pool.last_ns, latest->time_ns);
  double span_seconds = static_cast<double>(latest->time_ns - earliest->time_ns) / 1e9;
  pool.longest_pod_seconds = std::max(pool.longest_pod_seconds, span_seconds);
  pool.memory_growth_per_second =
      std::max(pool.memory_growth_per_second, steady_growth(series, span_seconds));
  auto& peaks = pool.pod_peaks[series.pod];
  auto [span, fresh] = pool.pod_spans.try_emplace(series.pod, earliest->time_ns, latest->time_ns);
  if (!fresh) {
    span->second.first = std::min(span->second.first, earliest->time_ns);
    span->second.second = std::max(span->second.second, latest->time_ns);
  }
  for (const SamplePoint& point : series.points) {
    peaks.first = std::max(peaks.first, point.cpu_cores);
    peaks.second = std::max(peaks.second, point.memory_bytes);
  }
  if (pool.trend_only) return;
  if (pool.cpu.empty()) {
    pool.cpu.reserve(series.points.size());
    pool.memory.reserve(series.points.size());
  }
  for (const SamplePoint& point : series.points) {
    pool.cpu.push_back(point.cpu_cores);
    pool.memory.push_back(point.memory_bytes);
    if (keep_times) pool.times_ns.push_back(point.time_ns);
  }
}

// The pool's statistics weighted by age relative to its newest sample.
void summarize_decayed(const Pool& pool, double half_life_seconds, ContainerStats& stats) {
  std::vector<WeightedValue> cpu, memory;
  cpu.reserve(pool.cpu.size());
  memory.reserve(pool.memory.size());
  long double sum = 0, sum_squares = 0;
  for (std::size_t i = 0; i < pool.times_ns.size(); ++i) {
    double age_seconds = static_cast<double>(pool.last_ns - pool.times_ns[i]) / 1e9;
    double weight = decay_weight(age_seconds, half_life_seconds);
    cpu.push_back({pool.cpu[i], weight});
    memory.push_back({pool.memory[i], weight});
    sum += weight;
    sum_squares += static_cast<long double>(weight) * weight;
  }
  stats.cpu = summarize_weighted(std::move(cpu));
  stats.memory = summarize_weighted(std::move(memory));
  stats.half_life_seconds = half_life_seconds;
  stats.effective_samples =
      effective_samples(static_cast<double>(sum), static_cast<double>(sum_squares));
}

}  // namespace

WorkloadRef detail::workload_of(const SampleSet& samples,
                                const std::vector<WorkloadRef>& workload_of_pod,
                                std::uint32_t pod) {
  if (pod < workload_of_pod.size()) return workload_of_pod[pod];
  const PodRecord& record = samples.pods()[pod];  // not attributed: named as attribution would
  return podfit::workload_of_pod(record);
}

double detail::steady_growth(const Trend& trend, double span_seconds, double mean_memory) {
  if (trend.slope <= 0 || trend.r_squared < kMinTrendFit) return 0;
  return trend.slope * span_seconds >= kMinTrendGrowth * mean_memory ? trend.slope : 0;
}

Trend moments_trend(const TrendMoments& moments) {
  if (moments.count() < 3 || moments.sum_tt() <= 0) return {};
  Trend trend;
  trend.slope = moments.sum_tm() / moments.sum_tt();
  trend.r_squared = moments.sum_mm() > 0 ? moments.sum_tm() * moments.sum_tm() /
                                               (moments.sum_tt() * moments.sum_mm())
                                         : 0;
  return trend;
}

Trend memory_trend(const std::vector<SamplePoint>& points) {
  if (points.size() < 3) return {};
  // Centre the times first: nanosecond epochs squared would lose all precision.
  double t0 = static_cast<double>(points.front().time_ns) / 1e9;
  double n = static_cast<double>(points.size());
  double mean_t = 0, mean_m = 0;
  for (const SamplePoint& p : points) {
    mean_t += static_cast<double>(p.time_ns) / 1e9 - t0;
    mean_m += p.memory_bytes;
  }
  mean_t /= n;
  mean_m /= n;
  double stt = 0, smm = 0, stm = 0;
  for (const SamplePoint& p : points) {
    double dt = static_cast<double>(p.time_ns) / 1e9 - t0 - mean_t;
    double dm = p.memory_bytes - mean_m;
    stt += dt * dt;
    smm += dm * dm;
    stm += dt * dm;
  }
  if (stt <= 0) return {};
  Trend trend;
  trend.slope = stm / stt;
  trend.r_squared = smm > 0 ? stm * stm / (stt * smm) : 0;
  return trend;
}

double burst_ratio(double max, double p50) {
  if (p50 != 0) return max / p50;
  return max == 0 ? 0 : std::numeric_limits<double>::infinity();
}

double percentile(const std::vector<double>& sorted, double q) {
  const std::size_t n = sorted.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  double index = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(n - 1);
  double below = std::floor(index);
  auto low = static_cast<std::size_t>(below);
  std::size_t high = std::min(low + 1, n - 1);
  return lerp(sorted[low], sorted[high], index - below);
}

const std::vector<double>& tail_levels() {
  static const std::vector<double> kLevels{80, 81, 82, 83, 84, 85, 86, 87, 88,   89,   90, 91,
                                           92, 93, 94, 95, 96, 97, 98, 99, 99.5, 99.9, 100};
  return kLevels;
}

Summary summarize(std::vector<double> values) {
  Summary summary;
  summary.count = values.size();
  if (values.empty()) return summary;
  std::sort(values.begin(), values.end());
  // The extra precision keeps the mean within an ulp or two of numpy's pairwise sum.
  long double sum = 0;
  for (double value : values) sum += value;
  summary.mean = static_cast<double>(sum / static_cast<long double>(values.size()));
  summary.p50 = percentile(values, 50);
  summary.p90 = percentile(values, 90);
  summary.p95 = percentile(values, 95);
  summary.p99 = percentile(values, 99);
  summary.max = values.back();
  summary.burst_ratio = burst_ratio(summary.max, summary.p50);
  std::vector<double> levels;
  for (double q : tail_levels()) levels.push_back(percentile(values, q));
  summary.tail = tail_of(tail_levels(), levels, [&](auto&& take) {
    for (double value : values) take(value, 1.0);
  });
  return summary;
}

double decay_weight(double age_seconds, double half_life_seconds) {
  return std::exp2(-age_seconds / half_life_seconds);
}

double weighted_percentile(const std::vector<WeightedValue>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  long double total = 0;
  for (const WeightedValue& entry : sorted) total += entry.weight;
  long double threshold = std::clamp(q, 0.0, 100.0) / 100.0L * total;
  long double cumulative = 0;
  for (const WeightedValue& entry : sorted) {
    cumulative += entry.weight;
    if (cumulative >= threshold) return entry.value;
  }
  return sorted.back().value;  // rounding left the last sum a hair below the total
}

Summary summarize_weighted(std::vector<WeightedValue> values) {
  Summary summary;
  summary.count = values.size();
  if (values.empty()) return summary;
  std::sort(values.begin(), values.end(),
            [](const WeightedValue& a, const WeightedValue& b) { return a.value < b.value; });
  long double sum = 0, weights = 0;
  for (const WeightedValue& entry : values) {
    sum += static_cast<long double>(entry.value) * entry.weight;
    weights += entry.weight;
  }
  summary.mean = weights > 0 ? static_cast<double>(sum / weights) : 0;
  summary.p50 = weighted_percentile(values, 50);
  summary.p90 = weighted_percentile(values, 90);
  summary.p95 = weighted_percentile(values, 95);
  summary.p99 = weighted_percentile(values, 99);
  summary.max = values.back().value;
  summary.burst_ratio = burst_ratio(summary.max, summary.p50);
  std::vector<double> levels;
  for (double q : tail_levels()) {
    levels.push_back(q >= 100 ? summary.max : weighted_percentile(values, q));
  }
  summary.tail = tail_of(tail_levels(), levels, [&](auto&& take) {
    for (const WeightedValue& entry : values) take(entry.value, entry.weight);
  });
  return summary;
}

std::size_t max_overlap(std::vector<std::pair<std::int64_t, std::int64_t>> spans) {
  std::vector<std::pair<std::int64_t, int>> edges;  // starts before ends at one time
  for (const auto& [first, last] : spans) {
    edges.emplace_back(first, -1);
    edges.emplace_back(last, 1);
  }
  std::sort(edges.begin(), edges.end());
  std::size_t open = 0, most = 0;
  for (const auto& [time, edge] : edges) {
    if (edge < 0) {
      most = std::max(most, ++open);
    } else {
      --open;
    }
  }
  return most;
}

double effective_samples(double sum_weights, double sum_squared_weights) {
  return sum_squared_weights > 0 ? sum_weights * sum_weights / sum_squared_weights : 0;
}

std::vector<ContainerStats> compute_container_stats(const SampleSet& samples,
                                                    const std::vector<WorkloadRef>& workload_of_pod,
                                                    double half_life_seconds) {
  return detail::container_stats(samples, workload_of_pod, half_life_seconds, nullptr);
}

std::vector<ContainerStats> detail::container_stats(const SampleSet& samples,
                                                    const std::vector<WorkloadRef>& workload_of_pod,
                                                    double half_life_seconds,
                                                    const ContainerFilter& trend_only) {
  const bool decay = half_life_seconds > 0;
  std::map<std::pair<WorkloadRef, std::string>, Pool> pools;
  for (const ContainerSeries& series : samples.series()) {
    if (series.points.empty()) continue;
    WorkloadRef workload = workload_of(samples, workload_of_pod, series.pod);
    auto [found, added] = pools.try_emplace({std::move(workload), series.container});
    if (added && trend_only) {
      found->second.trend_only = trend_only(found->first.first, found->first.second);
    }
    add_series(found->second, series, decay);
  }
  std::vector<ContainerStats> result;
  result.reserve(pools.size());
  for (auto& [key, pool] : pools) {
    ContainerStats stats;
    stats.workload = key.first;
    stats.container = key.second;
    stats.pods = pool.pods.size();
    stats.samples = pool.cpu.size();
    stats.window_seconds =
        static_cast<double>(pool.last_ns - pool.first_ns) / 1e9 + pool.first_window_seconds;
    if (decay && !pool.trend_only) {
      summarize_decayed(pool, half_life_seconds, stats);
    } else if (!pool.trend_only) {
      stats.cpu = summarize(std::move(pool.cpu));
      stats.memory = summarize(std::move(pool.memory));
      stats.effective_samples = static_cast<double>(stats.samples);
    }
    stats.memory_growth_per_second = pool.memory_growth_per_second;
    stats.longest_pod_seconds = pool.longest_pod_seconds;
    for (const auto& [pod, peak] : pool.pod_peaks) {
      stats.pod_cpu_peaks.push_back(peak.first);
      stats.pod_memory_peaks.push_back(peak.second);
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> spans;
    for (const auto& [pod, span] : pool.pod_spans) spans.push_back(span);
    stats.max_concurrent_pods = max_overlap(std::move(spans));
    result.push_back(std::move(stats));
  }
  return result;
}

}  // namespace podfit::stats

// Descriptive statistics of one container's usage. Pure: no I/O.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "podfit/core/compacted_series.hpp"
#include "podfit/core/hour_sketch.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"

namespace podfit::stats {

// One level of a distribution's upper tail: its value, the share of the (weighted)
// samples above it, and the mean of max(value - usage, 0), the idle reserve a request at
// that value would leave. The policy's cost-based CPU request chooses among these.
struct TailPoint {
  double q = 0;  // percentile level, 80 ... 100
  double value = 0;
  double share_above = 0;
  double mean_idle = 0;
};
// The levels of Summary::tail: 80, 81, ..., 99, 99.5, 99.9 and 100 (max).
const std::vector<double>& tail_levels();

struct Summary {
  std::size_t count = 0;
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
  double burst_ratio = 0;  // max / p50; 0 when p50 is 0 and max is 0, +inf when only p50 is 0
  // At each of tail_levels(), with the same percentile method as p50..p99.
  std::vector<TailPoint> tail;
};

// Summary::tail for the levels' `values` (ascending), from a visitor that calls its
// argument with (value, weight) for every sample in ascending order of value.
template <class Visit>
std::vector<TailPoint> tail_of(const std::vector<double>& levels, const std::vector<double>& values,
                               Visit&& visit) {
  std::vector<TailPoint> tail(levels.size());
  long double total = 0;
  visit([&](double, double weight) { total += weight; });
  if (!(total > 0)) return {};
  long double below = 0, below_sum = 0;  // weight and weighted sum of samples <= level
  std::size_t next = 0;
  auto close_levels_below = [&](double value) {
    for (; next < levels.size() && values[next] < value; ++next) {
      tail[next] = {levels[next], values[next], static_cast<double>((total - below) / total),
                    static_cast<double>((below * values[next] - below_sum) / total)};
    }
  };
  visit([&](double value, double weight) {
    close_levels_below(value);
    below += weight;
    below_sum += static_cast<long double>(value) * weight;
  });
  close_levels_below(INFINITY);
  return tail;
}

// max / p50, with the p50 == 0 cases as Summary::burst_ratio describes.
double burst_ratio(double max, double p50);

// q in [0, 100], numpy's default "linear" method. `sorted` must be ascending and non-empty.
double percentile(const std::vector<double>& sorted, double q);
Summary summarize(std::vector<double> values);

// Time decay (docs/policy.md, "half-life"): a sample `age_seconds` older than the newest
// one weighs 0.5^(age / half-life). Weighted statistics use weights from here.
double decay_weight(double age_seconds, double half_life_seconds);

struct WeightedValue {
  double value = 0;
  double weight = 0;
};

// The inverted-CDF weighted percentile (what VPA's decaying histogram answers): the
// smallest value whose cumulative weight reaches q/100 of the total weight. `sorted`
// must be ascending by value and non-empty, with a positive total weight.
double weighted_percentile(const std::vector<WeightedValue>& sorted, double q);

// Weighted mean and p50..p99; max is the largest value whatever its weight (limits must
// not forget an old spike), count is the number of values.
Summary summarize_weighted(std::vector<WeightedValue> values);

// Kish's effective sample size (sum w)^2 / sum w^2: how many equally weighted samples
// the weighted ones are worth.
double effective_samples(double sum_weights, double sum_squared_weights);

struct ContainerStats {
  WorkloadRef workload;
  std::string container;
  std::size_t pods = 0;       // distinct pods pooled
  std::size_t samples = 0;    // points after de-duplication
  double window_seconds = 0;  // time covered: first (timestamp - window) to last timestamp
  Summary cpu;                // cores
  Summary memory;             // bytes
  // Memory that rises steadily inside pods (a leak, a cache that never stops growing):
  // the steepest least-squares slope among pods whose fit explains at least half the
  // variance (R^2 >= 0.5) and whose growth is at least 5% of their mean; else 0.
  double memory_growth_per_second = 0;  // bytes per second
  double longest_pod_seconds = 0;       // the longest time one pod was observed
  // Time decay: the half-life the percentiles and mean were weighted with (0: none), and
  // Kish's effective sample count of those weights (equal to `samples` without decay).
  double half_life_seconds = 0;
  double effective_samples = 0;
  // Each pod's peak (a Job's run is a pod: docs/policy.md, "Jobs and CronJobs"), in pod
  // order, and the most pods seen at one time (under an HPA, replicas vary).
  std::vector<double> pod_cpu_peaks;     // cores
  std::vector<double> pod_memory_peaks;  // bytes
  std::size_t max_concurrent_pods = 0;
  // The percentiles (and with decay the weights) come from quantile sketches, within
  // their relative accuracy (1 %); count, mean, max, peaks and trend are exact. False:
  // every statistic is exact.
  bool sketched = false;
};

// The most of `spans` ([first, last] times of one pod each) that overlap at one time.
std::size_t max_overlap(std::vector<std::pair<std::int64_t, std::int64_t>> spans);

// Least-squares slope of memory over time (bytes per second) and its R^2; {0, 0} with
// fewer than 3 points or no spread in time.
struct Trend {
  double slope = 0;
  double r_squared = 0;
};
Trend memory_trend(const std::vector<SamplePoint>& points);
// The same from a folded series' running moments.
Trend moments_trend(const TrendMoments& moments);

// Pools every series of `samples` by (workload of its pod, container name).
// `workload_of_pod[i]` is the workload of samples.pods()[i]. Sorted by workload, container.
// A positive `half_life_seconds` weights each sample by decay_weight of its age relative
// to the container's newest sample (summarize_weighted); 0 gives the unweighted statistics.
std::vector<ContainerStats> compute_container_stats(const SampleSet& samples,
                                                    const std::vector<WorkloadRef>& workload_of_pod,
                                                    double half_life_seconds = 0);

// compute_container_stats over raw samples plus compacted hours (history_stats.cpp).
// A container without sketched hours gets the exact statistics; with them, the
// raw values go into the merged sketches, so percentiles are within the sketch's
// relative accuracy of a sample value of that rank, and count, mean and max stay
// exact. The time covered runs from the first hour's start (or first sample).
// With a half-life, an hour's buckets all weigh what the hour's midpoint would (so
// give single hours, or merged ones that keep each hour's weight: HourSketch::decay);
// raw values keep their own weights and exact values, and the weighted percentiles are
// within the sketch's relative accuracy of the exact weighted answer.
// `compacted`: series whose points are all in `hours` (history::load_recorded folds long
// series so); their pod spans, window and memory trend come from there, exact.
std::vector<ContainerStats> compute_history_stats(
    const SampleSet& raw, const std::vector<HourSketch>& hours,
    const std::vector<WorkloadRef>& workload_of_pod, double half_life_seconds = 0,
    const std::vector<CompactedSeries>& compacted = {});

}  // namespace podfit::stats

// Descriptive statistics of one container's usage. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/stats/sketch.hpp"

namespace podfit::stats {

struct Summary {
  std::size_t count = 0;
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
  double burst_ratio = 0;  // max / p50; 0 when p50 is 0 and max is 0, +inf when only p50 is 0
};

// max / p50, with the p50 == 0 cases as Summary::burst_ratio describes.
double burst_ratio(double max, double p50);

// q in [0, 100], numpy's default "linear" method. `sorted` must be ascending and non-empty.
double percentile(const std::vector<double>& sorted, double q);
Summary summarize(std::vector<double> values);

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
};

// Least-squares slope of memory over time (bytes per second) and its R^2; {0, 0} with
// fewer than 3 points or no spread in time.
struct Trend {
  double slope = 0;
  double r_squared = 0;
};
Trend memory_trend(const std::vector<SamplePoint>& points);

// Pools every series of `samples` by (workload of its pod, container name).
// `workload_of_pod[i]` is the workload of samples.pods()[i]. Sorted by workload, container.
std::vector<ContainerStats> compute_container_stats(
    const SampleSet& samples, const std::vector<WorkloadRef>& workload_of_pod);

// One container's compacted hour (from the history store), by reference.
struct SketchedHour {
  std::uint32_t pod = 0;  // index into the SampleSet's pods()
  std::string container;
  std::int64_t hour_start_ns = 0;
  const QuantileSketch* cpu = nullptr;
  const QuantileSketch* memory = nullptr;
};

// compute_container_stats over raw samples plus compacted hours (history_stats.cpp).
// A container without sketched hours gets the exact statistics; with them, the
// raw values go into the merged sketches, so percentiles are within the sketch's
// relative accuracy of a sample value of that rank, and count, mean and max stay
// exact. The time covered runs from the first hour's start (or first sample).
std::vector<ContainerStats> compute_history_stats(const SampleSet& raw,
                                                  const std::vector<SketchedHour>& hours,
                                                  const std::vector<WorkloadRef>& workload_of_pod);

}  // namespace podfit::stats

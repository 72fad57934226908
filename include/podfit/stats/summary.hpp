// Descriptive statistics of one container's usage. Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"

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

// q in [0, 100], numpy's default "linear" method. `sorted` must be ascending and non-empty.
double percentile(const std::vector<double>& sorted, double q);
Summary summarize(std::vector<double> values);

struct ContainerStats {
  WorkloadRef workload;
  std::string container;
  std::size_t pods = 0;        // distinct pods pooled
  std::size_t samples = 0;     // points after de-duplication
  double window_seconds = 0;   // time covered: first (timestamp - window) to last timestamp
  Summary cpu;                 // cores
  Summary memory;              // bytes
};

// Pools every series of `samples` by (workload of its pod, container name).
// `workload_of_pod[i]` is the workload of samples.pods()[i]. Sorted by workload, container.
std::vector<ContainerStats> compute_container_stats(const SampleSet& samples,
                                                    const std::vector<WorkloadRef>& workload_of_pod);

}  // namespace podfit::stats

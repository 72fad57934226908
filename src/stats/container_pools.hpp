// Inside the stats module: compute_container_stats for callers that take the
// percentiles of some containers from elsewhere (history_stats.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "podfit/stats/summary.hpp"

namespace podfit::stats::detail {

// workload_of_pod[pod], or for a pod beyond it the workload its name implies.
WorkloadRef workload_of(const SampleSet& samples, const std::vector<WorkloadRef>& workload_of_pod,
                        std::uint32_t pod);

// A pod's memory growth (bytes/s) when its trend is steady and material enough to
// project (R^2 >= 0.5, growth over `span_seconds` >= 5 % of its mean memory), else 0.
double steady_growth(const Trend& trend, double span_seconds, double mean_memory);

using ContainerFilter = std::function<bool(const WorkloadRef&, const std::string&)>;

// compute_container_stats, but a container `trend_only` accepts only gets its pods,
// window, memory growth and longest pod: its values are neither copied nor sorted.
std::vector<ContainerStats> container_stats(const SampleSet& samples,
                                            const std::vector<WorkloadRef>& workload_of_pod,
                                            double half_life_seconds,
                                            const ContainerFilter& trend_only);

}  // namespace podfit::stats::detail

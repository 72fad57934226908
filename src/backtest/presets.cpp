// The policies a backtest compares. Sources are listed in docs/backtest.md.
#include <algorithm>
#include <map>

#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

namespace {

constexpr double kMebibyte = 1024.0 * 1024.0;
constexpr double kDayNs = 86400e9;

// KRR's `simple` strategy: CPU request p95, no CPU limit; memory request = limit = max + 15%.
policy::Recommendation recommend_krr(const TrainingData& training, const Resources& current,
                                     policy::PolicyOptions options) {
  options.cpu_request_statistic = policy::Statistic::p95;
  options.cpu_request_margin = 1.0;
  options.cpu_request_exceedance_cost = 0;
  options.cpu_limit = policy::CpuLimitMode::none;
  options.memory_request_statistic = policy::Statistic::max;
  options.memory_request_margin = 1.15;
  options.memory_limit_statistic = policy::Statistic::max;
  options.memory_limit_margin = 1.15;
  options.guaranteed = false;
  options.min_cpu_cores = 0.001;
  options.min_memory_bytes = kMebibyte;
  options.min_change = 0;
  options.project_memory_growth = false;
  options.cpu_margin_confidence_seconds = 0;
  options.size_jobs_per_run = false;
  policy::Recommendation recommendation = policy::recommend(training.stats, current, options);
  recommendation.reason = "krr simple: " + recommendation.reason;
  return recommendation;
}

// Each pod's peak memory per day of the training part, pooled.
std::vector<double> daily_memory_peaks(const TrainingData& training) {
  std::vector<double> peaks;
  for (const auto& points : training.points_by_pod) {
    if (points.empty()) continue;
    std::map<std::int64_t, double> peak_by_day;
    for (const SamplePoint& point : points) {
      auto day = static_cast<std::int64_t>((point.time_ns - points.front().time_ns) / kDayNs);
      double& peak = peak_by_day[day];
      peak = std::max(peak, point.memory_bytes);
    }
    for (const auto& [day, peak] : peak_by_day) peaks.push_back(peak);
  }
  return peaks;
}

// A limit that keeps the current limit/request ratio, as the VPA does; none without one.
std::optional<ResourceValue> proportional_limit(const std::optional<ResourceValue>& request,
                                                const std::optional<ResourceValue>& current_request,
                                                const std::optional<ResourceValue>& current_limit,
                                                ResourceValue (*round)(double)) {
  if (!request || !current_limit) return std::nullopt;
  if (!current_request || current_request->amount <= 0) return request;  // request = limit
  return round(request->amount * current_limit->amount / current_request->amount);
}

// The VPA recommender's defaults: target = p90 (CPU samples; memory daily peaks) + 15 %,
// pod minimums 25m and 250Mi shared among the pod's containers, limits scaled in proportion.
policy::Recommendation recommend_vpa(const TrainingData& training, const Resources& current,
                                     policy::PolicyOptions options) {
  stats::ContainerStats stats = training.stats;
  std::vector<double> peaks = daily_memory_peaks(training);
  // The VPA records an OOM kill as a memory sample of max(1.2 x, +100 MB) the memory in use
  // (here the limit it was killed at).
  if (double limit = training.events.oom_memory_limit_bytes; limit > 0) {
    peaks.push_back(std::max(limit * 1.2, limit + 100e6));
  }
  if (!peaks.empty()) stats.memory = stats::summarize(peaks);
  double containers = static_cast<double>(std::max<std::size_t>(training.containers_per_pod, 1));
  options.cpu_request_statistic = policy::Statistic::p90;
  options.cpu_request_margin = 1.15;
  options.cpu_request_exceedance_cost = 0;
  options.memory_request_statistic = policy::Statistic::p90;
  options.memory_request_margin = 1.15;
  options.cpu_limit = policy::CpuLimitMode::keep;
  options.guaranteed = false;
  options.min_cpu_cores = 0.025 / containers;
  options.min_memory_bytes = 250 * kMebibyte / containers;
  options.min_change = 0;
  options.project_memory_growth = false;
  options.cpu_margin_confidence_seconds = 0;
  options.size_jobs_per_run = false;
  policy::Recommendation recommendation = policy::recommend(stats, current, options);
  if (recommendation.has_recommendation) {
    Resources& target = recommendation.recommended;
    target.cpu_limit = proportional_limit(target.cpu_request, current.cpu_request,
                                          current.cpu_limit, policy::round_cpu);
    target.memory_limit = proportional_limit(target.memory_request, current.memory_request,
                                             current.memory_limit, policy::round_memory);
  }
  recommendation.stats = training.stats;
  recommendation.reason = "vpa: " + recommendation.reason;
  return recommendation;
}

}  // namespace

Result<Preset> parse_preset(std::string_view name) {
  if (name == "podfit") return Preset::podfit;
  if (name == "vpa") return Preset::vpa;
  if (name == "krr") return Preset::krr;
  return fail("unknown policy preset '" + std::string(name) + "' (choose podfit, vpa or krr)");
}

const char* preset_name(Preset preset) {
  switch (preset) {
    case Preset::podfit:
      return "podfit";
    case Preset::vpa:
      return "vpa";
    case Preset::krr:
      return "krr";
  }
  return "podfit";
}

policy::Recommendation recommend_with(Preset preset, const TrainingData& training,
                                      const Resources& current,
                                      const policy::PolicyOptions& options) {
  switch (preset) {
    case Preset::vpa:
      return recommend_vpa(training, current, options);
    case Preset::krr:
      return recommend_krr(training, current, options);
    case Preset::podfit:
      break;
  }
  return policy::recommend(training.stats, current, options, training.events);
}

}  // namespace podfit::backtest

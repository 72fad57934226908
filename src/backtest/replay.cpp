// Replaying usage against requests and limits.
#include <algorithm>

#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

namespace {

bool above(const std::optional<ResourceValue>& value, double usage) {
  return value && usage > value->amount;
}

double idle(const std::optional<ResourceValue>& request, double usage) {
  return request ? std::max(request->amount - usage, 0.0) : 0.0;
}

}  // namespace

Exposure replay(const std::vector<SamplePoint>& usage, const Resources& resources) {
  return replay(usage, {}, resources);
}

Exposure replay(const std::vector<SamplePoint>& usage, const std::vector<const HourSketch*>& hours,
                const Resources& resources) {
  Exposure exposure;
  exposure.known = !resources.empty();
  if (!exposure.known) return exposure;
  double cpu_idle_sum = 0;
  double memory_idle_sum = 0;
  for (const SamplePoint& point : usage) {
    ++exposure.samples;
    exposure.cpu_over_request += above(resources.cpu_request, point.cpu_cores);
    exposure.cpu_over_limit += above(resources.cpu_limit, point.cpu_cores);
    exposure.memory_over_request += above(resources.memory_request, point.memory_bytes);
    exposure.memory_over_limit += above(resources.memory_limit, point.memory_bytes);
    cpu_idle_sum += idle(resources.cpu_request, point.cpu_cores);
    memory_idle_sum += idle(resources.memory_request, point.memory_bytes);
  }
  // Each count is about one resource, so the two sketches' marginals are enough.
  for (const HourSketch* hour : hours) {
    exposure.samples += hour->cpu.count();
    hour->cpu.for_each_bucket([&](double value, std::uint64_t count) {
      exposure.cpu_over_request += count * above(resources.cpu_request, value);
      exposure.cpu_over_limit += count * above(resources.cpu_limit, value);
      cpu_idle_sum += static_cast<double>(count) * idle(resources.cpu_request, value);
    });
    hour->memory.for_each_bucket([&](double value, std::uint64_t count) {
      exposure.memory_over_request += count * above(resources.memory_request, value);
      exposure.memory_over_limit += count * above(resources.memory_limit, value);
      memory_idle_sum += static_cast<double>(count) * idle(resources.memory_request, value);
    });
  }
  if (exposure.samples > 0) {
    exposure.cpu_idle_cores = cpu_idle_sum / exposure.samples;
    exposure.memory_idle_bytes = memory_idle_sum / exposure.samples;
  }
  return exposure;
}

}  // namespace podfit::backtest

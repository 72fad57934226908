// Replaying usage against requests and limits.
#include <algorithm>
#include <cmath>

#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

namespace {

constexpr double kDayNs = 86400e9;

bool above(const std::optional<ResourceValue>& value, double usage) {
  return value && usage > value->amount;
}

double idle(const std::optional<ResourceValue>& request, double usage) {
  return request ? std::max(request->amount - usage, 0.0) : 0.0;
}

// `count` samples of `usage` against `value` (none: nothing is added).
void add_slack(SlackSum& slack, const std::optional<ResourceValue>& value, double usage,
               std::uint64_t count) {
  if (!value || value->amount <= 0) return;
  slack.sum += static_cast<double>(count) * std::max(value->amount - usage, 0.0) / value->amount;
  slack.samples += count;
}

std::int64_t day_of(std::int64_t time_ns, std::int64_t origin_ns) {
  return static_cast<std::int64_t>(std::floor(static_cast<double>(time_ns - origin_ns) / kDayNs));
}

// Counts shared by a raw point (count 1) and a sketch bucket.
void add_cpu(Exposure& exposure, const Resources& resources, double cpu, std::uint64_t count) {
  exposure.cpu_over_request += count * above(resources.cpu_request, cpu);
  exposure.cpu_over_limit += count * above(resources.cpu_limit, cpu);
  exposure.cpu_idle_sum += static_cast<double>(count) * idle(resources.cpu_request, cpu);
  add_slack(exposure.cpu_request_slack, resources.cpu_request, cpu, count);
  add_slack(exposure.cpu_limit_slack, resources.cpu_limit, cpu, count);
}

void add_memory(Exposure& exposure, const Resources& resources, double memory,
                std::uint64_t count) {
  exposure.memory_over_request += count * above(resources.memory_request, memory);
  exposure.memory_over_limit += count * above(resources.memory_limit, memory);
  exposure.memory_idle_sum += static_cast<double>(count) * idle(resources.memory_request, memory);
  add_slack(exposure.memory_request_slack, resources.memory_request, memory, count);
  add_slack(exposure.memory_limit_slack, resources.memory_limit, memory, count);
}

// A sketch's samples spread evenly over each bucket's range (low, high]: the share of
// it above `value`, and the mean of max(value - usage, 0) over it. Counting whole
// buckets instead would put every sample of the bucket a request falls in on one side,
// and a steady container holds a tenth of its samples in one 2 %-wide bucket.
double share_above(double low, double high, double value) {
  if (value >= high) return 0;
  if (value <= low) return 1;
  return (high - value) / (high - low);
}

double mean_gap_below(double low, double high, double value) {
  if (value <= low) return 0;
  if (value >= high) return value - (low + high) / 2;
  return (value - low) * (value - low) / (2 * (high - low));
}

// One sketch's counts, fractional until the sketch is done.
struct SpreadCounts {
  double over_request = 0, over_limit = 0;
};

void add_spread(double& idle_sum, SlackSum& request_slack, SlackSum& limit_slack,
                SpreadCounts& counts, const std::optional<ResourceValue>& request,
                const std::optional<ResourceValue>& limit, double low, double high,
                std::uint64_t count) {
  auto n = static_cast<double>(count);
  if (request) {
    double gap = mean_gap_below(low, high, request->amount);
    counts.over_request += n * share_above(low, high, request->amount);
    idle_sum += n * gap;
    if (request->amount > 0) {
      request_slack.sum += n * gap / request->amount;
      request_slack.samples += count;
    }
  }
  if (limit) {
    counts.over_limit += n * share_above(low, high, limit->amount);
    if (limit->amount > 0) {
      limit_slack.sum += n * mean_gap_below(low, high, limit->amount) / limit->amount;
      limit_slack.samples += count;
    }
  }
}

std::size_t rounded(double count) {
  return static_cast<std::size_t>(std::llround(count));
}

void note_day(Exposure& exposure, std::int64_t day, bool crossed, std::int64_t time_ns) {
  bool& day_crossed = exposure.crossed_by_day[day];
  day_crossed = day_crossed || crossed;
  if (crossed && (exposure.first_oom_ns == 0 || time_ns < exposure.first_oom_ns)) {
    exposure.first_oom_ns = time_ns;
  }
}

}  // namespace

std::size_t Exposure::oom_free_days() const {
  std::size_t free = pooled_oom_free_days;
  for (const auto& [day, crossed] : crossed_by_day) free += !crossed;
  return free;
}

void Exposure::add(const Exposure& part) {
  if (!part.known) return;
  known = true;
  samples += part.samples;
  cpu_over_request += part.cpu_over_request;
  cpu_over_limit += part.cpu_over_limit;
  memory_over_request += part.memory_over_request;
  memory_over_limit += part.memory_over_limit;
  oom_kills += part.oom_kills;
  cpu_idle_sum += part.cpu_idle_sum;
  memory_idle_sum += part.memory_idle_sum;
  cpu_request_slack.add(part.cpu_request_slack);
  cpu_limit_slack.add(part.cpu_limit_slack);
  memory_request_slack.add(part.memory_request_slack);
  memory_limit_slack.add(part.memory_limit_slack);
  for (const auto& [day, crossed] : part.crossed_by_day) {
    bool& mine = crossed_by_day[day];
    mine = mine || crossed;
  }
  pooled_days += part.pooled_days;
  pooled_oom_free_days += part.pooled_oom_free_days;
  if (part.first_oom_ns != 0 && (first_oom_ns == 0 || part.first_oom_ns < first_oom_ns)) {
    first_oom_ns = part.first_oom_ns;
  }
}

void Exposure::pool(const Exposure& container) {
  if (!container.known) return;
  Exposure counts = container;
  counts.pooled_days = container.days();
  counts.pooled_oom_free_days = container.oom_free_days();
  counts.crossed_by_day.clear();
  counts.pooled = false;
  add(counts);
  pooled = true;
  pooled_cpu_idle_cores += container.cpu_idle_cores();
  pooled_memory_idle_bytes += container.memory_idle_bytes();
}

double Exposure::cpu_idle_cores() const {
  if (pooled) return pooled_cpu_idle_cores;
  return samples ? cpu_idle_sum / double(samples) : 0.0;
}

double Exposure::memory_idle_bytes() const {
  if (pooled) return pooled_memory_idle_bytes;
  return samples ? memory_idle_sum / double(samples) : 0.0;
}

Exposure replay(const std::vector<SamplePoint>& usage, const Resources& resources) {
  return replay(usage, {}, resources);
}

Exposure replay(const std::vector<SamplePoint>& usage, const std::vector<const HourSketch*>& hours,
                const Resources& resources, std::int64_t day_origin_ns) {
  Exposure exposure;
  exposure.known = !resources.empty();
  if (!exposure.known) return exposure;
  bool was_above = false;
  std::int64_t previous_ns = 0;
  for (const SamplePoint& point : usage) {
    ++exposure.samples;
    add_cpu(exposure, resources, point.cpu_cores, 1);
    add_memory(exposure, resources, point.memory_bytes, 1);
    bool crossed = above(resources.memory_limit, point.memory_bytes);
    // Points come series by series, each in time order: a step back in time starts another.
    bool same_series = exposure.samples > 1 && point.time_ns > previous_ns;
    exposure.oom_kills += crossed && !(was_above && same_series);
    was_above = crossed;
    previous_ns = point.time_ns;
    note_day(exposure, day_of(point.time_ns, day_origin_ns), crossed, point.time_ns);
  }
  // Each count is about one resource, so the two sketches' marginals are enough. An hour
  // whose memory max is above the limit counts one OOM kill; so does each hour of a part
  // (HourSketch::peaks) whose peak is.
  for (const HourSketch* hour : hours) {
    exposure.samples += hour->cpu.count();
    SpreadCounts cpu, memory;
    hour->cpu.for_each_bucket_range([&](double low, double high, std::uint64_t count) {
      add_spread(exposure.cpu_idle_sum, exposure.cpu_request_slack, exposure.cpu_limit_slack, cpu,
                 resources.cpu_request, resources.cpu_limit, low, high, count);
    });
    hour->memory.for_each_bucket_range([&](double low, double high, std::uint64_t count) {
      add_spread(exposure.memory_idle_sum, exposure.memory_request_slack,
                 exposure.memory_limit_slack, memory, resources.memory_request,
                 resources.memory_limit, low, high, count);
    });
    // An hour whose peak is above a limit has at least one sample above it.
    std::size_t cpu_hours_over = 0, memory_hours_over = 0;
    auto see_peak = [&](const SamplePoint& peak) {
      bool crossed = above(resources.memory_limit, peak.memory_bytes);
      cpu_hours_over += above(resources.cpu_limit, peak.cpu_cores);
      memory_hours_over += crossed;
      exposure.oom_kills += crossed;
      note_day(exposure, day_of(peak.time_ns, day_origin_ns), crossed, peak.time_ns);
    };
    if (hour->peaks.empty()) {  // one hour: its own peak
      see_peak({hour->hour_start_ns, hour->cpu.max(), hour->memory.max()});
    }
    for (const SamplePoint& peak : hour->peaks) see_peak(peak);
    exposure.cpu_over_request += rounded(cpu.over_request);
    exposure.cpu_over_limit += std::max(rounded(cpu.over_limit), cpu_hours_over);
    exposure.memory_over_request += rounded(memory.over_request);
    exposure.memory_over_limit += std::max(rounded(memory.over_limit), memory_hours_over);
  }
  return exposure;
}

}  // namespace podfit::backtest

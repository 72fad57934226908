// recommend: statistics -> requests and limits (rules in docs/policy.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "podfit/policy/policy.hpp"
#include "podfit/quantity/quantity.hpp"

#include "podfit/policy/workload_policy.hpp"
#include "policy/target.hpp"

namespace podfit::policy {
namespace {

using namespace detail;

constexpr double kMaxCpuCores = 1e6;
constexpr double kMaxMemoryBytes = 1e18;

bool decayed(const stats::ContainerStats& stats) {
  return stats.half_life_seconds > 0;
}

// The history the statistics rest on: with decay, the time covered scaled by the share of
// effective samples (a long, steady history at a 24 h half-life is worth about 69 h).
double effective_window_seconds(const stats::ContainerStats& stats) {
  if (!decayed(stats) || stats.samples == 0) return stats.window_seconds;
  double share = stats.effective_samples / static_cast<double>(stats.samples);
  return stats.window_seconds * std::min(1.0, share);
}

// The CPU request margin covers doubt about the statistic; it shrinks as the history grows
// past `cpu_margin_confidence_seconds`, by the square root of the ratio (1 day: 0.2 of it).
double cpu_request_margin(const stats::ContainerStats& stats, const PolicyOptions& options) {
  double full = options.cpu_margin_confidence_seconds;
  double window = effective_window_seconds(stats);
  if (full <= 0 || window <= full) return options.cpu_request_margin;
  return 1 + (options.cpu_request_margin - 1) * std::sqrt(full / window);
}

std::string duration_text(double seconds) {
  auto total = static_cast<long long>(std::floor(seconds));
  long long hours = total / 3600, minutes = total % 3600 / 60, rest = total % 60;
  if (hours == 0 && minutes == 0) return std::to_string(rest) + "s";
  std::string text = hours > 0 ? std::to_string(hours) + "h" : "";
  return text + std::to_string(minutes) + "m" + std::to_string(rest) + "s";
}

bool sized_per_run(const stats::ContainerStats& stats, const PolicyOptions& options) {
  return options.size_jobs_per_run &&
         (stats.workload.kind == "Job" || stats.workload.kind == "CronJob");
}

std::optional<std::string> too_little_data(const stats::ContainerStats& stats,
                                           const PolicyOptions& options, ContainerRole role) {
  std::vector<std::string> problems;
  std::size_t runs = stats.pod_cpu_peaks.size();
  bool per_run = sized_per_run(stats, options) || role == ContainerRole::init;
  if (per_run) {  // each run counts, however short
    if (stats.workload.kind == "CronJob" && runs < options.min_runs) {
      problems.push_back("only " + std::to_string(runs) + " run" + (runs == 1 ? "" : "s") +
                         " of the CronJob seen (need " + std::to_string(options.min_runs) + ")");
    }
  } else if (stats.samples < options.min_samples) {
    problems.push_back("only " + std::to_string(stats.samples) + " samples (need " +
                       std::to_string(options.min_samples) + ")");
  } else if (decayed(stats) && stats.effective_samples < static_cast<double>(options.min_samples)) {
    problems.push_back("only " + three_digits(stats.effective_samples) + " effective samples of " +
                       std::to_string(stats.samples) + " at half-life " +
                       duration_text(stats.half_life_seconds) + " (need " +
                       std::to_string(options.min_samples) + ")");
  }
  if (!per_run && stats.window_seconds < options.min_window_seconds) {
    problems.push_back("only " + duration_text(stats.window_seconds) + " of data (need " +
                       duration_text(options.min_window_seconds) + ")");
  }
  // No container uses a million cores or an exabyte: such a value (or inf, NaN) comes from
  // a damaged source and must not become a request.
  auto absurd = [](const stats::Summary& summary, double bound) {
    for (double value :
         {summary.mean, summary.p50, summary.p90, summary.p95, summary.p99, summary.max}) {
      if (!std::isfinite(value) || value < 0 || value > bound) return true;
    }
    return false;
  };
  if (absurd(stats.cpu, kMaxCpuCores) || absurd(stats.memory, kMaxMemoryBytes)) {
    problems.push_back("usage values out of range (CPU max " + three_digits(stats.cpu.max) +
                       " cores, memory max " + three_digits(stats.memory.max) +
                       " bytes): a damaged source?");
  }
  if (problems.empty()) return std::nullopt;
  std::string text = problems[0];
  for (std::size_t i = 1; i < problems.size(); ++i) text += " and " + problems[i];
  return text;
}

// What the decayed percentiles rest on, for the explanation.
std::string decay_note(const stats::ContainerStats& stats) {
  return "percentiles weighted by half-life " + duration_text(stats.half_life_seconds) + ": " +
         three_digits(stats.effective_samples) + " effective of " + std::to_string(stats.samples) +
         " samples over " + duration_text(stats.window_seconds) + " from " +
         std::to_string(stats.pods) + " pod" + (stats.pods == 1 ? "" : "s") + " (max not decayed)";
}

double level_of(Statistic statistic) {
  switch (statistic) {
    case Statistic::p50:
      return 50;
    case Statistic::p80:
      return 80;
    case Statistic::p90:
      return 90;
    case Statistic::p95:
      return 95;
    case Statistic::p99:
      return 99;
    case Statistic::max:
      return 100;
  }
  return 100;
}

std::string level_name(double q) {
  return q >= 100 ? std::string("max") : "p" + three_digits(q);
}

// The cost-based CPU request (docs/policy.md): among the tail levels from the request
// percentile up to the max, the one where idle reserve + cost x share of samples above it
// is least. A level above the percentile must buy its idle cores with fewer crossings.
Target cpu_request_target(const stats::ContainerStats& stats, const PolicyOptions& options) {
  double margin = cpu_request_margin(stats, options);
  double cost = options.cpu_request_exceedance_cost;
  double floor_level = level_of(options.cpu_request_statistic);
  if (cost <= 0 || floor_level < stats::tail_levels().front() || stats.cpu.tail.empty()) {
    return computed(Kind::cpu, "cpu request", stats.cpu, options.cpu_request_statistic, margin,
                    options.min_cpu_cores);
  }
  const stats::TailPoint* best = nullptr;
  for (const stats::TailPoint& point : stats.cpu.tail) {
    if (point.q < floor_level) continue;
    double total = point.mean_idle + cost * point.share_above;
    if (!best || total < best->mean_idle + cost * best->share_above) best = &point;
  }
  if (!best) {
    return computed(Kind::cpu, "cpu request", stats.cpu, options.cpu_request_statistic, margin,
                    options.min_cpu_cores);
  }
  double raw = best->value * margin;
  std::string formula = level_name(best->q) + " " + describe(Kind::cpu, best->value) + " x " +
                        three_digits(margin) + " (least idle + " + three_digits(cost) +
                        " cores x share above from " + level_name(floor_level) +
                        " up: " + percent(best->share_above) + " above, " +
                        describe(Kind::cpu, best->mean_idle) + " idle)";
  if (raw < options.min_cpu_cores) {
    return Target{
        Kind::cpu, "cpu request", rounded(Kind::cpu, options.min_cpu_cores),
        "minimum " + describe(Kind::cpu, options.min_cpu_cores) + " (" + formula + " is below it)"};
  }
  return Target{Kind::cpu, "cpu request", rounded(Kind::cpu, raw), formula};
}

Target cpu_limit_target(const stats::ContainerStats& stats, const Resources& current,
                        const PolicyOptions& options, const Target& cpu_request) {
  Target limit{Kind::cpu, "cpu limit", std::nullopt, ""};
  switch (options.cpu_limit) {
    case CpuLimitMode::none:
      limit.why = "cpu-limit=none";
      return limit;
    case CpuLimitMode::keep:
      limit.value = current.cpu_limit;
      limit.why = current.cpu_limit ? "current (cpu-limit=keep)" : "cpu-limit=keep and none is set";
      return limit;
    case CpuLimitMode::set:
      break;
  }
  if (options.guaranteed)
    return Target{Kind::cpu, "cpu limit", cpu_request.value, "request (qos=guaranteed)"};
  limit = computed(Kind::cpu, "cpu limit", stats.cpu, options.cpu_limit_statistic,
                   options.cpu_limit_margin, options.min_cpu_cores);
  keep_small_change(limit, current.cpu_limit, options.min_change);
  return limit;
}

// A leak or an ever-growing cache: the limit covers the max projected over the longest
// pod lifetime seen, so the pod is not OOM-killed as soon as it passes today's max.
void project_growth(Target& limit, const stats::ContainerStats& stats,
                    const PolicyOptions& options) {
  if (!options.project_memory_growth || stats.memory_growth_per_second <= 0 ||
      options.memory_limit_statistic != Statistic::max) {
    return;
  }
  double hours = stats.longest_pod_seconds / 3600;
  double projected = stats.memory.max + stats.memory_growth_per_second * stats.longest_pod_seconds;
  double raw = projected * options.memory_limit_margin;
  if (limit.value && raw <= limit.value->amount) return;
  limit.value = rounded(Kind::memory, raw);
  limit.why = "projected max " + describe(Kind::memory, projected) + " x " +
              three_digits(options.memory_limit_margin) + " (memory grows " +
              describe(Kind::memory, stats.memory_growth_per_second * 3600) + "/h in pods: max " +
              describe(Kind::memory, stats.memory.max) + " + " + three_digits(hours) +
              "h of growth)";
}

Target memory_limit_target(const stats::ContainerStats& stats, const Resources& current,
                           const PolicyOptions& options, const Target& memory_request) {
  if (options.guaranteed) {
    return Target{Kind::memory, "memory limit", memory_request.value, "request (qos=guaranteed)"};
  }
  Target limit =
      computed(Kind::memory, "memory limit", stats.memory, options.memory_limit_statistic,
               options.memory_limit_margin, options.min_memory_bytes);
  project_growth(limit, stats, options);
  keep_small_change(limit, current.memory_limit, options.min_change);
  return limit;
}

}  // namespace

const char* statistic_name(Statistic statistic) {
  switch (statistic) {
    case Statistic::p50:
      return "p50";
    case Statistic::p80:
      return "p80";
    case Statistic::p90:
      return "p90";
    case Statistic::p95:
      return "p95";
    case Statistic::p99:
      return "p99";
    case Statistic::max:
      return "max";
  }
  return "max";
}

constexpr double kOomBump = 1.2;

// Never at or below the limit an OOM kill happened at: 20 % above it at least.
void raise_after_oom(Target& target, const EventCounts& events) {
  if (events.oom_kills == 0 || events.oom_memory_limit_bytes <= 0) return;
  double floor = events.oom_memory_limit_bytes * kOomBump;
  if (target.value && target.value->amount >= floor) return;
  target.value = rounded(Kind::memory, floor);
  target.kept = false;
  target.why = "OOM-killed at limit " + describe(Kind::memory, events.oom_memory_limit_bytes) +
               " x 1.2 (" + std::to_string(events.oom_kills) + " OOM kill" +
               (events.oom_kills == 1 ? "" : "s") + ")";
}

namespace {

// A Job's or CronJob's runs are short and busy: the request is the p90 of the runs'
// peaks, not a percentile of samples pooled over idle and busy times.
Target per_run_request(Kind kind, const std::vector<double>& peaks, double margin, double minimum) {
  std::vector<double> sorted = peaks;
  std::sort(sorted.begin(), sorted.end());
  double p90 = stats::percentile(sorted, 90);
  std::string label = kind == Kind::cpu ? "cpu request" : "memory request";
  return scaled(kind, label, p90,
                "p90 of " + std::to_string(sorted.size()) + " run" +
                    (sorted.size() == 1 ? "" : "s") + "' peaks " + describe(kind, p90),
                margin, minimum);
}

// A plain init container runs alone before the app containers: its samples are all busy,
// so its request is its peak (workload_rules.cpp keeps the CPU within the app's).
Target peak_request(Kind kind, const stats::Summary& summary, double margin, double minimum) {
  std::string label = kind == Kind::cpu ? "cpu request" : "memory request";
  return scaled(kind, label, summary.max, "init container peak " + describe(kind, summary.max),
                margin, minimum);
}

void request_targets(const stats::ContainerStats& stats, const PolicyOptions& options,
                     ContainerRole role, Target& cpu, Target& memory) {
  if (sized_per_run(stats, options) && !stats.pod_cpu_peaks.empty()) {
    cpu = per_run_request(Kind::cpu, stats.pod_cpu_peaks, 1.0, options.min_cpu_cores);
    memory = per_run_request(Kind::memory, stats.pod_memory_peaks, options.memory_request_margin,
                             options.min_memory_bytes);
  } else if (role == ContainerRole::init) {
    cpu = peak_request(Kind::cpu, stats.cpu, options.cpu_request_margin, options.min_cpu_cores);
    memory = peak_request(Kind::memory, stats.memory, options.memory_request_margin,
                          options.min_memory_bytes);
  } else {
    cpu = cpu_request_target(stats, options);
    memory =
        computed(Kind::memory, "memory request", stats.memory, options.memory_request_statistic,
                 options.memory_request_margin, options.min_memory_bytes);
  }
}

// The memory limit leaves room for a fixed heap and what the runtime needs beside it; a
// heap that follows the limit (MaxRAMPercentage) stays at least the most memory used.
std::string respect_heap(Target& limit, const RuntimeHeap& heap,
                         const stats::ContainerStats& stats) {
  double floor =
      heap.bytes > 0 ? heap.bytes * heap.overhead : stats.memory.max / (heap.percent / 100);
  std::string rule = heap.bytes > 0
                         ? heap.runtime + " heap " + heap.flag + " (" +
                               describe(Kind::memory, heap.bytes) + ") x " +
                               three_digits(heap.overhead) + " for non-heap memory"
                         : heap.runtime + " heap " + heap.flag +
                               " follows the limit: the limit keeps the heap at " +
                               "least the max used " + describe(Kind::memory, stats.memory.max);
  if (limit.value && limit.value->amount >= floor) {
    double heap_now = heap.bytes > 0 ? heap.bytes : limit.value->amount * heap.percent / 100;
    return heap.runtime + " heap " + describe(Kind::memory, heap_now) + " (" + heap.flag +
           ") fits the memory limit (at least " + describe(Kind::memory, floor) + ")";
  }
  std::string was = limit.value ? limit.why : "none";
  limit.value = rounded(Kind::memory, floor);
  limit.kept = false;
  limit.why = rule + " (" + was + " is below it)";
  return "";
}

}  // namespace

Recommendation recommend(const stats::ContainerStats& stats, const Resources& current,
                         const PolicyOptions& options, const EventCounts& events,
                         const ContainerContext& context) {
  Recommendation result{stats, current, current, false, "", events};
  result.role = context.container ? context.container->role : ContainerRole::regular;
  if (auto problem = too_little_data(stats, options, result.role)) {
    result.reason = *problem;
    return result;
  }
  Target cpu_request{Kind::cpu, "", {}, ""}, memory_request{Kind::memory, "", {}, ""};
  request_targets(stats, options, result.role, cpu_request, memory_request);
  keep_small_change(cpu_request, current.cpu_request, options.min_change);
  keep_small_change(memory_request, current.memory_request, options.min_change);
  raise_after_oom(memory_request, events);
  Target cpu_limit = cpu_limit_target(stats, current, options, cpu_request);
  Target memory_limit = memory_limit_target(stats, current, options, memory_request);
  raise_after_oom(memory_limit, events);
  std::string heap_note;
  if (context.container) {
    if (auto heap = find_runtime_heap(*context.container)) {
      heap_note = respect_heap(memory_limit, *heap, stats);
    }
  }

  // The API server rejects a request above its limit; min-change or a kept limit can cause one.
  auto exceeds = [](const Target& request, const Target& limit) {
    return request.value && limit.value && request.value->amount > limit.value->amount;
  };
  if (exceeds(cpu_request, cpu_limit)) {
    if (options.cpu_limit == CpuLimitMode::keep) {
      clamp_to(cpu_request, cpu_limit, "the kept limit", "above");
    } else {
      clamp_to(cpu_limit, cpu_request, "the request", "below");
    }
  }
  if (exceeds(memory_request, memory_limit)) {
    clamp_to(memory_limit, memory_request, "the request", "below");
  }

  result.recommended =
      Resources{cpu_request.value, cpu_limit.value, memory_request.value, memory_limit.value};
  result.has_recommendation = true;
  for (const Target* target : {&cpu_request, &cpu_limit, &memory_request, &memory_limit}) {
    result.reason += (result.reason.empty() ? "" : "; ") + explain(*target, options.min_change);
  }
  if (decayed(stats)) result.reason += "; " + decay_note(stats);
  if (!heap_note.empty()) result.reason += "; " + heap_note;
  if (sized_per_run(stats, options)) {
    result.reason +=
        "; sized per run: " + std::to_string(stats.pod_cpu_peaks.size()) + " runs (pods) seen";
  }
  if (result.role == ContainerRole::sidecar) {
    result.reason += "; native sidecar (restartPolicy: Always): sized like an app container";
  }
  return result;
}

}  // namespace podfit::policy

// recommend: statistics -> requests and limits (rules in docs/policy.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "podfit/policy/policy.hpp"
#include "podfit/quantity/quantity.hpp"

namespace podfit::policy {
namespace {

constexpr double kMaxCpuCores = 1e6;
constexpr double kMaxMemoryBytes = 1e18;

constexpr double kMebibyte = 1024.0 * 1024.0;

enum class Kind { cpu, memory };

double statistic_of(const stats::Summary& summary, Statistic statistic) {
  switch (statistic) {
    case Statistic::p50:
      return summary.p50;
    case Statistic::p90:
      return summary.p90;
    case Statistic::p95:
      return summary.p95;
    case Statistic::p99:
      return summary.p99;
    case Statistic::max:
      return summary.max;
  }
  return summary.max;
}

std::string three_digits(double value) {
  char buffer[32];
  // %.3g would switch to exponent notation from 999.5 up.
  std::snprintf(buffer, sizeof buffer, value >= 100 ? "%.0f" : "%.3g", value);
  return buffer;
}

// A measured amount for people to read: "18.2m", "1.25" cores; "512Ki", "44.6Mi", "1.2Gi".
std::string describe(Kind kind, double amount) {
  if (kind == Kind::cpu)
    return amount < 1 ? three_digits(amount * 1000) + "m" : three_digits(amount);
  if (amount < kMebibyte) return three_digits(amount / 1024) + "Ki";
  if (amount < 1024 * kMebibyte) return three_digits(amount / kMebibyte) + "Mi";
  return three_digits(amount / (1024 * kMebibyte)) + "Gi";
}

// CPU to whole millicores, memory to whole Mi (round_cpu / round_memory in rounding.cpp).
ResourceValue rounded(Kind kind, double amount) {
  return kind == Kind::cpu ? round_cpu(amount) : round_memory(amount);
}

struct Target {
  Kind kind;
  std::string label;  // "cpu request"
  std::optional<ResourceValue> value;
  std::string why;    // "p95 18.2m x 1.15"; for an absent value, why there is none
  bool kept = false;  // the current value, kept by min-change
};

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

Target computed(Kind kind, std::string label, const stats::Summary& summary, Statistic statistic,
                double margin, double minimum) {
  double measured = statistic_of(summary, statistic);
  double raw = measured * margin;
  std::string formula = std::string(statistic_name(statistic)) + " " + describe(kind, measured) +
                        " x " + three_digits(margin);
  if (raw < minimum) {
    return Target{kind, std::move(label), rounded(kind, minimum),
                  "minimum " + describe(kind, minimum) + " (" + formula + " is below it)"};
  }
  return Target{kind, std::move(label), rounded(kind, raw), formula};
}

// Replaces `target` with `bound` (the other side of a request <= limit pair).
void clamp_to(Target& target, const Target& bound, const std::string& bound_name,
              const char* relation) {
  std::string was = target.kept ? "current " + target.value->text : target.why;
  target.value = bound.value;
  target.why = bound_name + " (" + was + " is " + relation + " it)";
  target.kept = false;
}

// Keeps the current value when the target differs from it by less than `min_change`.
void keep_small_change(Target& target, const std::optional<ResourceValue>& current,
                       double min_change) {
  if (!target.value || !current) return;
  double change = current->amount == 0
                      ? INFINITY
                      : std::fabs(target.value->amount - current->amount) / current->amount;
  if (target.value->amount != current->amount && change >= min_change) return;
  target.value = current;
  target.kept = true;
}

std::string percent(double fraction) {
  return three_digits(fraction * 100) + "%";
}

std::string duration_text(double seconds) {
  auto total = static_cast<long long>(std::floor(seconds));
  long long hours = total / 3600, minutes = total % 3600 / 60, rest = total % 60;
  if (hours == 0 && minutes == 0) return std::to_string(rest) + "s";
  std::string text = hours > 0 ? std::to_string(hours) + "h" : "";
  return text + std::to_string(minutes) + "m" + std::to_string(rest) + "s";
}

std::optional<std::string> too_little_data(const stats::ContainerStats& stats,
                                           const PolicyOptions& options) {
  std::vector<std::string> problems;
  if (stats.samples < options.min_samples) {
    problems.push_back("only " + std::to_string(stats.samples) + " samples (need " +
                       std::to_string(options.min_samples) + ")");
  } else if (decayed(stats) && stats.effective_samples < static_cast<double>(options.min_samples)) {
    problems.push_back("only " + three_digits(stats.effective_samples) + " effective samples of " +
                       std::to_string(stats.samples) + " at half-life " +
                       duration_text(stats.half_life_seconds) + " (need " +
                       std::to_string(options.min_samples) + ")");
  }
  if (stats.window_seconds < options.min_window_seconds) {
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

std::string explain(const Target& target, double min_change) {
  if (target.kept) {
    return "kept " + target.label + " " + target.value->text + " (change < " + percent(min_change) +
           ")";
  }
  if (!target.value) return "no " + target.label + " (" + target.why + ")";
  return target.label + " " + target.value->text + " = " + target.why;
}

double level_of(Statistic statistic) {
  switch (statistic) {
    case Statistic::p50:
      return 50;
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
  if (cost <= 0 || floor_level < 90 || stats.cpu.tail.empty()) {
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

Recommendation recommend(const stats::ContainerStats& stats, const Resources& current,
                         const PolicyOptions& options, const EventCounts& events) {
  Recommendation result{stats, current, current, false, "", events};
  if (auto problem = too_little_data(stats, options)) {
    result.reason = *problem;
    return result;
  }
  Target cpu_request = cpu_request_target(stats, options);
  keep_small_change(cpu_request, current.cpu_request, options.min_change);
  Target memory_request =
      computed(Kind::memory, "memory request", stats.memory, options.memory_request_statistic,
               options.memory_request_margin, options.min_memory_bytes);
  keep_small_change(memory_request, current.memory_request, options.min_change);
  raise_after_oom(memory_request, events);
  Target cpu_limit = cpu_limit_target(stats, current, options, cpu_request);
  Target memory_limit = memory_limit_target(stats, current, options, memory_request);
  raise_after_oom(memory_limit, events);

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
  return result;
}

}  // namespace podfit::policy

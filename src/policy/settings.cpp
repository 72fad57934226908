// apply_settings: the `key: value` policy settings of docs/policy.md.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "podfit/core/time.hpp"
#include "podfit/policy/policy.hpp"
#include "podfit/quantity/quantity.hpp"

namespace podfit::policy {
namespace {

std::optional<double> parse_number(std::string_view text) {
  if (text.empty() || text.front() == ' ' || text.front() == '+') return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  // strtod also reads hex floats and "nan"/"inf": allow only plain decimals.
  if (copy.find_first_not_of("0123456789.-eE") != std::string::npos) return std::nullopt;
  return value;
}

std::optional<Statistic> parse_statistic(std::string_view text) {
  if (!text.empty() && text.front() == 'p') text.remove_prefix(1);
  if (text == "50") return Statistic::p50;
  if (text == "80") return Statistic::p80;
  if (text == "90") return Statistic::p90;
  if (text == "95") return Statistic::p95;
  if (text == "99") return Statistic::p99;
  if (text == "max" || text == "100") return Statistic::max;
  return std::nullopt;
}

// One or more <number><unit> with units d, h, m, s, ms ("1h30m", "90s", "1.5h", "7d").
std::optional<double> parse_duration_seconds(std::string_view text) {
  if (text == "0") return 0.0;
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    std::size_t number_end = text.find_first_not_of("0123456789.");
    if (number_end == 0 || number_end == std::string_view::npos) return std::nullopt;
    auto number = parse_number(text.substr(0, number_end));
    if (!number) return std::nullopt;
    text.remove_prefix(number_end);
    std::size_t unit_end = text.find_first_of("0123456789.");
    std::string_view unit = text.substr(0, unit_end);
    text.remove_prefix(unit.size());
    if (unit == "d") {
      total += *number * 86400;
    } else if (unit == "h") {
      total += *number * 3600;
    } else if (unit == "m") {
      total += *number * 60;
    } else if (unit == "s") {
      total += *number;
    } else if (unit == "ms") {
      total += *number / 1000;
    } else {
      return std::nullopt;
    }
  }
  if (!(total <= kMaxSpanSeconds)) return std::nullopt;  // 50 years; see core/time.hpp
  return total;
}

// "0.1" or "10%".
std::optional<double> parse_fraction(std::string_view text) {
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text.remove_suffix(1);
  auto value = parse_number(text);
  if (!value) return std::nullopt;
  return percent ? *value / 100 : *value;
}

using Setter = std::function<std::optional<std::string>(PolicyOptions&, const std::string&)>;

// Each setter returns nullopt on success, else what the value should have been.
Setter statistic_setter(Statistic PolicyOptions::*field) {
  return [field](PolicyOptions& options, const std::string& value) -> std::optional<std::string> {
    auto statistic = parse_statistic(value);
    if (!statistic) return "one of 50, 80, 90, 95, 99, max";
    options.*field = *statistic;
    return std::nullopt;
  };
}

Setter margin_setter(double PolicyOptions::*field) {
  return [field](PolicyOptions& options, const std::string& value) -> std::optional<std::string> {
    auto margin = parse_number(value);
    if (!margin || *margin < 1 || *margin > 100) return "a multiplier from 1 to 100, e.g. 1.15";
    options.*field = *margin;
    return std::nullopt;
  };
}

Setter floor_setter(double PolicyOptions::*field, const char* example) {
  return [field, example](PolicyOptions& options,
                          const std::string& value) -> std::optional<std::string> {
    auto parsed = quantity::parse(value);
    if (!parsed || parsed->nanos < 0) {
      return std::string("a non-negative Kubernetes quantity, e.g. ") + example;
    }
    options.*field = parsed->value();
    return std::nullopt;
  };
}

std::optional<std::string> set_cpu_limit(PolicyOptions& options, const std::string& value) {
  if (value == "set") {
    options.cpu_limit = CpuLimitMode::set;
  } else if (value == "keep") {
    options.cpu_limit = CpuLimitMode::keep;
  } else if (value == "none") {
    options.cpu_limit = CpuLimitMode::none;
  } else {
    return "one of set, keep, none";
  }
  return std::nullopt;
}

std::optional<std::string> set_memory_growth(PolicyOptions& options, const std::string& value) {
  if (value != "project" && value != "ignore") return "project or ignore";
  options.project_memory_growth = value == "project";
  return std::nullopt;
}

std::optional<std::string> set_cpu_margin_confidence(PolicyOptions& options,
                                                     const std::string& value) {
  auto seconds = parse_duration_seconds(value);
  if (!seconds) return "a duration such as 1h or 30m, or 0 to keep the full margin";
  options.cpu_margin_confidence_seconds = *seconds;
  return std::nullopt;
}

std::optional<std::string> set_half_life(PolicyOptions& options, const std::string& value) {
  auto seconds = value == "off" ? std::optional<double>(0) : parse_duration_seconds(value);
  if (!seconds || *seconds < 0) return "a duration such as 24h or 7d, or off (0)";
  options.half_life_seconds = *seconds;
  return std::nullopt;
}

std::optional<std::string> set_exceedance_cost(PolicyOptions& options, const std::string& value) {
  auto cost = value == "off" ? std::optional<double>(0) : parse_number(value);
  if (!cost || *cost < 0 || *cost > 1e6) return "a number of cores from 0 (off), e.g. 2";
  options.cpu_request_exceedance_cost = *cost;
  return std::nullopt;
}

std::optional<std::string> set_qos(PolicyOptions& options, const std::string& value) {
  if (value != "burstable" && value != "guaranteed") return "burstable or guaranteed";
  options.guaranteed = value == "guaranteed";
  return std::nullopt;
}

std::optional<std::string> set_min_samples(PolicyOptions& options, const std::string& value) {
  auto number = parse_number(value);
  if (!number || *number < 0 || *number != std::floor(*number) || *number > 1e12) {
    return "a whole number, e.g. 20";
  }
  options.min_samples = static_cast<std::size_t>(*number);
  return std::nullopt;
}

std::optional<std::string> set_min_runs(PolicyOptions& options, const std::string& value) {
  auto number = parse_number(value);
  if (!number || *number < 1 || *number != std::floor(*number) || *number > 1e6) {
    return "a whole number from 1, e.g. 3";
  }
  options.min_runs = static_cast<std::size_t>(*number);
  return std::nullopt;
}

std::optional<std::string> set_job_sizing(PolicyOptions& options, const std::string& value) {
  if (value != "per-run" && value != "pooled") return "per-run or pooled";
  options.size_jobs_per_run = value == "per-run";
  return std::nullopt;
}

std::optional<std::string> set_min_duration(PolicyOptions& options, const std::string& value) {
  auto seconds = parse_duration_seconds(value);
  if (!seconds) return "a duration such as 90s, 10m, 1h30m";
  options.min_window_seconds = *seconds;
  return std::nullopt;
}

std::optional<std::string> set_min_change(PolicyOptions& options, const std::string& value) {
  auto fraction = parse_fraction(value);
  if (!fraction || *fraction < 0 || *fraction >= 1)
    return "a fraction from 0 to below 1, e.g. 0.1 or 10%";
  options.min_change = *fraction;
  return std::nullopt;
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// A duration as a setting is written: "0" or whole d/h/m/s parts ("1h", "10m", "90s").
std::string duration_text(double seconds) {
  if (seconds == 0) return "0";
  for (auto [unit, size] : {std::pair{"d", 86400.0}, {"h", 3600.0}, {"m", 60.0}}) {
    if (std::fmod(seconds, size) == 0) return number_text(seconds / size) + unit;
  }
  return number_text(seconds) + "s";
}

const char* mode_name(CpuLimitMode mode) {
  return mode == CpuLimitMode::keep ? "keep" : mode == CpuLimitMode::none ? "none" : "set";
}

using Shower = std::function<std::string(const PolicyOptions&)>;

// One policy setting: how to set it, how to show its value, its help, and whether the
// CLI offers it as a flag (--KEY VALUE) besides the --policy file.
struct Setting {
  Setter set;
  Shower show;
  const char* help;
  bool flag;
};

Shower show_statistic(Statistic PolicyOptions::*field) {
  return
      [field](const PolicyOptions& options) { return std::string(statistic_name(options.*field)); };
}
Shower show_number(double PolicyOptions::*field) {
  return [field](const PolicyOptions& options) { return number_text(options.*field); };
}

const std::map<std::string, Setting, std::less<>>& settings_table() {
  using O = PolicyOptions;
  static const std::map<std::string, Setting, std::less<>> kSettings = {
      {"cpu-request-percentile",
       {statistic_setter(&O::cpu_request_statistic), show_statistic(&O::cpu_request_statistic),
        "the CPU request's statistic: 50, 80, 90, 95, 99 or max", false}},
      {"cpu-request-exceedance-cost",
       {set_exceedance_cost, show_number(&O::cpu_request_exceedance_cost),
        "cores one share of samples above the CPU request weighs against idle reserve (0: off)",
        true}},
      {"cpu-request-margin",
       {margin_setter(&O::cpu_request_margin), show_number(&O::cpu_request_margin),
        "multiplier on the CPU request statistic", true}},
      {"cpu-limit-percentile",
       {statistic_setter(&O::cpu_limit_statistic), show_statistic(&O::cpu_limit_statistic),
        "the CPU limit's statistic", false}},
      {"cpu-limit-margin",
       {margin_setter(&O::cpu_limit_margin), show_number(&O::cpu_limit_margin),
        "multiplier on the CPU limit statistic", true}},
      {"memory-request-percentile",
       {statistic_setter(&O::memory_request_statistic),
        show_statistic(&O::memory_request_statistic), "the memory request's statistic", false}},
      {"memory-request-margin",
       {margin_setter(&O::memory_request_margin), show_number(&O::memory_request_margin),
        "multiplier on the memory request statistic", true}},
      {"memory-limit-percentile",
       {statistic_setter(&O::memory_limit_statistic), show_statistic(&O::memory_limit_statistic),
        "the memory limit's statistic", false}},
      {"memory-limit-margin",
       {margin_setter(&O::memory_limit_margin), show_number(&O::memory_limit_margin),
        "multiplier on the memory limit statistic", true}},
      {"cpu-limit",
       {set_cpu_limit, [](const O& o) { return std::string(mode_name(o.cpu_limit)); },
        "CPU limits: set, keep the current one, or none (remove)", true}},
      {"qos",
       {set_qos, [](const O& o) { return std::string(o.guaranteed ? "guaranteed" : "burstable"); },
        "burstable, or guaranteed (every limit equals its request)", true}},
      {"memory-growth",
       {set_memory_growth,
        [](const O& o) { return std::string(o.project_memory_growth ? "project" : "ignore"); },
        "project a steady memory rise over the longest pod lifetime, or ignore it", false}},
      {"min-cpu",
       {floor_setter(&O::min_cpu_cores, "1m"),
        [](const O& o) { return number_text(o.min_cpu_cores * 1000) + "m"; },
        "the smallest CPU request or limit", false}},
      {"min-memory",
       {floor_setter(&O::min_memory_bytes, "8Mi"),
        [](const O& o) { return number_text(o.min_memory_bytes / (1024 * 1024)) + "Mi"; },
        "the smallest memory request or limit", false}},
      {"min-samples",
       {set_min_samples, [](const O& o) { return std::to_string(o.min_samples); },
        "fewer samples than this: no recommendation", true}},
      {"min-runs",
       {set_min_runs, [](const O& o) { return std::to_string(o.min_runs); },
        "a CronJob seen for fewer runs (pods): no recommendation", true}},
      {"job-sizing",
       {set_job_sizing,
        [](const O& o) { return std::string(o.size_jobs_per_run ? "per-run" : "pooled"); },
        "Jobs and CronJobs from each run's peak (per-run) or from all samples (pooled)", true}},
      {"min-duration",
       {set_min_duration, [](const O& o) { return duration_text(o.min_window_seconds); },
        "less time covered than this: no recommendation", true}},
      {"cpu-margin-confidence",
       {set_cpu_margin_confidence,
        [](const O& o) { return duration_text(o.cpu_margin_confidence_seconds); },
        "with more history than this, the CPU request margin shrinks", false}},
      {"half-life",
       {set_half_life,
        [](const O& o) {
          return o.half_life_seconds == 0 ? std::string("off") : duration_text(o.half_life_seconds);
        },
        "weight samples by age, halving per DURATION, e.g. 24h", true}},
      {"min-change",
       {set_min_change, [](const O& o) { return number_text(o.min_change * 100) + "%"; },
        "keep a value whose change is smaller than this", true}},
  };
  return kSettings;
}

std::string known_keys() {
  std::string keys;
  for (const auto& [key, setting] : settings_table()) keys += (keys.empty() ? "" : ", ") + key;
  return keys;
}

}  // namespace

Result<PolicyOptions> apply_settings(PolicyOptions base,
                                     const std::map<std::string, std::string>& settings,
                                     const std::string& origin) {
  for (const auto& [key, value] : settings) {
    auto setting = settings_table().find(key);
    if (setting == settings_table().end()) {
      return fail(origin + ": unknown policy setting \"" + key + "\" (known: " + known_keys() +
                  ")");
    }
    if (auto expected = setting->second.set(base, value)) {
      return fail(origin + ": " + key + ": \"" + value + "\" is not valid (expected " + *expected +
                  ")");
    }
  }
  // Guaranteed QoS needs every limit equal to its request, so the CPU limit must be set by us.
  if (base.guaranteed && base.cpu_limit != CpuLimitMode::set) {
    return fail(origin + ": qos=guaranteed conflicts with cpu-limit=" + mode_name(base.cpu_limit) +
                " (Guaranteed QoS needs a CPU limit equal to the request; use cpu-limit=set)");
  }
  return base;
}

std::vector<SettingDoc> setting_docs() {
  std::vector<SettingDoc> docs;
  for (const auto& [key, setting] : settings_table())
    docs.push_back({key, setting.help, setting.flag});
  return docs;
}

std::string setting_text(const PolicyOptions& options, std::string_view key) {
  auto setting = settings_table().find(key);
  return setting == settings_table().end() ? std::string() : setting->second.show(options);
}

}  // namespace podfit::policy

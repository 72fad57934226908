// apply_settings: the `key: value` policy settings of docs/policy.md.
#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

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
    if (!statistic) return "one of 50, 90, 95, 99, max";
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

const std::map<std::string, Setter, std::less<>>& setters() {
  static const std::map<std::string, Setter, std::less<>> kSetters = {
      {"cpu-request-percentile", statistic_setter(&PolicyOptions::cpu_request_statistic)},
      {"cpu-request-margin", margin_setter(&PolicyOptions::cpu_request_margin)},
      {"cpu-limit-percentile", statistic_setter(&PolicyOptions::cpu_limit_statistic)},
      {"cpu-limit-margin", margin_setter(&PolicyOptions::cpu_limit_margin)},
      {"memory-request-percentile", statistic_setter(&PolicyOptions::memory_request_statistic)},
      {"memory-request-margin", margin_setter(&PolicyOptions::memory_request_margin)},
      {"memory-limit-percentile", statistic_setter(&PolicyOptions::memory_limit_statistic)},
      {"memory-limit-margin", margin_setter(&PolicyOptions::memory_limit_margin)},
      {"cpu-limit", set_cpu_limit},
      {"qos", set_qos},
      {"memory-growth", set_memory_growth},
      {"min-cpu", floor_setter(&PolicyOptions::min_cpu_cores, "1m")},
      {"min-memory", floor_setter(&PolicyOptions::min_memory_bytes, "8Mi")},
      {"min-samples", set_min_samples},
      {"min-duration", set_min_duration},
      {"cpu-margin-confidence", set_cpu_margin_confidence},
      {"half-life", set_half_life},
      {"min-change", set_min_change},
  };
  return kSetters;
}

std::string known_keys() {
  std::string keys;
  for (const auto& [key, setter] : setters()) keys += (keys.empty() ? "" : ", ") + key;
  return keys;
}

const char* mode_name(CpuLimitMode mode) {
  return mode == CpuLimitMode::keep ? "keep" : mode == CpuLimitMode::none ? "none" : "set";
}

}  // namespace

Result<PolicyOptions> apply_settings(PolicyOptions base,
                                     const std::map<std::string, std::string>& settings,
                                     const std::string& origin) {
  for (const auto& [key, value] : settings) {
    auto setter = setters().find(key);
    if (setter == setters().end()) {
      return fail(origin + ": unknown policy setting \"" + key + "\" (known: " + known_keys() +
                  ")");
    }
    if (auto expected = setter->second(base, value)) {
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

}  // namespace podfit::policy

#include "report/cells.hpp"

#include <cmath>
#include <cstdio>

namespace podfit::report::detail {

std::string formatted(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

namespace {

constexpr double kMebibyte = 1024.0 * 1024.0;

std::string three_digits(double value) {
  char buffer[32];
  // %.3g would switch to exponent notation from 999.5 up.
  std::snprintf(buffer, sizeof buffer, value >= 100 ? "%.0f" : "%.3g", value);
  return buffer;
}

std::string burst_text(const stats::Summary& summary) {
  if (summary.count == 0) return "-";
  if (std::isinf(summary.burst_ratio)) return "inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fx", summary.burst_ratio);
  return buffer;
}

// "479/2h0m": samples / time covered; with decay also the effective samples, "479/2h0m eff 120".
std::string samples_text(const stats::ContainerStats& stats) {
  std::string text = std::to_string(stats.samples) + "/" + describe_duration(stats.window_seconds);
  if (stats.half_life_seconds <= 0) return text;
  return text + " eff " + three_digits(stats.effective_samples);
}

// The relative change of the memory request, the number that most often matters.
Cell change_cell(const policy::Recommendation& recommendation) {
  if (!recommendation.has_recommendation) {
    // Skipped on purpose (podfit.io/ignore, a bad setting) is not a lack of data.
    bool skipped = recommendation.reason.starts_with("ignored") ||
                   recommendation.reason.starts_with("no recommendation");
    return Cell{(skipped ? "" : "no data: ") + recommendation.reason, Tone::muted};
  }
  const auto& current = recommendation.current.memory_request;
  const auto& target = recommendation.recommended.memory_request;
  if (!target) return Cell{current ? "removed" : "-", Tone::plain};
  if (!current) return Cell{"new", Tone::up};
  if (current->amount == target->amount) return Cell{"0%", Tone::plain};
  if (current->amount == 0) return Cell{"+inf%", Tone::up};
  double percent = (target->amount - current->amount) / current->amount * 100;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%+.0f%%", percent);
  return Cell{buffer, percent > 0 ? Tone::up : Tone::down};
}

}  // namespace

const std::vector<std::string>& column_headers() {
  static const std::vector<std::string> kHeaders = {
      "NAMESPACE", "WORKLOAD", "CONTAINER", "SAMPLES", "CPU P95", "CPU MAX", "BURST",
      "MEM P99",   "MEM MAX",  "CPU REQ",   "CPU LIM", "MEM REQ", "MEM LIM", "CHANGE"};
  return kHeaders;
}

std::string describe_cpu(double cores) {
  if (cores == 0) return "0";
  return cores < 1 ? three_digits(cores * 1000) + "m" : three_digits(cores);
}

std::string describe_memory(double bytes) {
  if (bytes == 0) return "0";
  if (bytes < 1024) return three_digits(bytes);
  if (bytes < kMebibyte) return three_digits(bytes / 1024) + "Ki";
  if (bytes < 1024 * kMebibyte) return three_digits(bytes / kMebibyte) + "Mi";
  return three_digits(bytes / (1024 * kMebibyte)) + "Gi";
}

std::string describe_duration(double seconds) {
  auto total = static_cast<long long>(std::floor(seconds));
  if (total < 60) return std::to_string(total) + "s";
  long long hours = total / 3600, minutes = total % 3600 / 60;
  if (hours == 0) return std::to_string(minutes) + "m";
  return std::to_string(hours) + "h" + std::to_string(minutes) + "m";
}

std::string describe_change(const std::optional<ResourceValue>& current,
                            const std::optional<ResourceValue>& recommended) {
  if (current == recommended) return current ? current->text : "-";
  return (current ? current->text : "-") + " -> " + (recommended ? recommended->text : "-");
}

std::string container_label(const policy::Recommendation& recommendation) {
  const WorkloadRef& workload = recommendation.stats.workload;
  std::string prefix = (workload.namespace_name.empty() ? "-" : workload.namespace_name) + " ";
  return prefix + workload.kind + "/" + workload.name + " " + recommendation.stats.container;
}

std::vector<Cell> row_cells(const policy::Recommendation& recommendation) {
  const stats::ContainerStats& stats = recommendation.stats;
  const Resources& current = recommendation.current;
  const Resources& target = recommendation.recommended;
  const bool measured = stats.samples > 0;
  auto cell = [](std::string text) { return Cell{std::move(text), Tone::plain}; };
  auto changed = [&](const std::optional<ResourceValue>& from,
                     const std::optional<ResourceValue>& to) {
    Tone tone = from == to ? Tone::plain : Tone::up;
    if (from && to && to->amount < from->amount) tone = Tone::down;
    return Cell{describe_change(from, to), tone};
  };
  return {
      cell(stats.workload.namespace_name.empty() ? "-" : stats.workload.namespace_name),
      cell(stats.workload.kind + "/" + stats.workload.name),
      cell(stats.container),
      cell(samples_text(stats)),
      cell(measured ? describe_cpu(stats.cpu.p95) : "-"),
      cell(measured ? describe_cpu(stats.cpu.max) : "-"),
      cell(burst_text(stats.cpu)),
      cell(measured ? describe_memory(stats.memory.p99) : "-"),
      cell(measured ? describe_memory(stats.memory.max) : "-"),
      changed(current.cpu_request, target.cpu_request),
      changed(current.cpu_limit, target.cpu_limit),
      changed(current.memory_request, target.memory_request),
      changed(current.memory_limit, target.memory_limit),
      change_cell(recommendation),
  };
}

}  // namespace podfit::report::detail

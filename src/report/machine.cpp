// JSON and CSV: every number in base units (cores, bytes, seconds), quantities as text.
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "report/cells.hpp"

namespace podfit::report::detail {
namespace {

using nlohmann::json;

// Shortest text that reads back as the same double.
std::string number_text(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// RFC 4180: quote a field holding a comma, quote or line break; double inner quotes.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

void write_csv_row(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
  out << "\r\n";
}

void add_summary(std::vector<std::string>& fields, const stats::Summary& summary) {
  for (double value : {summary.mean, summary.p50, summary.p90, summary.p95, summary.p99,
                       summary.max, summary.burst_ratio}) {
    fields.push_back(number_text(value));
  }
}

void add_resources(std::vector<std::string>& fields, const Resources& resources) {
  for (const auto* value : {&resources.cpu_request, &resources.cpu_limit, &resources.memory_request,
                            &resources.memory_limit}) {
    fields.push_back(*value ? (*value)->text : "");
  }
}

std::vector<std::string> csv_header() {
  std::vector<std::string> header = {"namespace", "kind",    "workload",      "container",
                                     "pods",      "samples", "window_seconds"};
  for (const char* resource : {"cpu", "memory"}) {
    for (const char* statistic : {"mean", "p50", "p90", "p95", "p99", "max", "burst_ratio"}) {
      header.push_back(std::string(resource) + "_" + statistic);
    }
  }
  for (const char* side : {"current", "recommended"}) {
    for (const char* field : {"cpu_request", "cpu_limit", "memory_request", "memory_limit"}) {
      header.push_back(std::string(side) + "_" + field);
    }
  }
  // Added later, so at the end: columns keep their places for readers that count them.
  for (const char* field :
       {"has_recommendation", "reason", "effective_samples", "half_life_seconds"})
    header.push_back(field);
  return header;
}

}  // namespace

void write_csv(std::ostream& out, const std::vector<policy::Recommendation>& recommendations) {
  write_csv_row(out, csv_header());
  for (const auto& recommendation : recommendations) {
    const stats::ContainerStats& stats = recommendation.stats;
    std::vector<std::string> fields = {stats.workload.namespace_name,
                                       stats.workload.kind,
                                       stats.workload.name,
                                       stats.container,
                                       std::to_string(stats.pods),
                                       std::to_string(stats.samples),
                                       number_text(stats.window_seconds)};
    add_summary(fields, stats.cpu);
    add_summary(fields, stats.memory);
    add_resources(fields, recommendation.current);
    add_resources(fields, recommendation.recommended);
    fields.push_back(recommendation.has_recommendation ? "true" : "false");
    fields.push_back(recommendation.reason);
    fields.push_back(number_text(stats.effective_samples));
    fields.push_back(number_text(stats.half_life_seconds));
    write_csv_row(out, fields);
  }
}

}  // namespace podfit::report::detail

// `podfit store export`: raw points as PodMetricsList JSON Lines, one line per
// timestamp, written so that source::read_recorded reads back the same values.
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "podfit/store/store.hpp"

#include "podfit/core/time.hpp"

namespace podfit::store {

namespace {

void write_json_string(std::ostream& out, const std::string& text) {
  out << '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out << '\\' << c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out << escaped;
    } else {
      out << c;
    }
  }
  out << '"';
}

// "15.026s": whole nanoseconds, as the reader (and Go) keep a duration.
std::string go_duration(double seconds) {
  long long nanos = std::llround(seconds * 1e9);
  char text[48];
  std::snprintf(text, sizeof text, "%lld.%09lld", nanos / 1000000000, nanos % 1000000000);
  std::string result = text;
  while (result.back() == '0') result.pop_back();
  if (result.back() == '.') result.pop_back();
  return result + "s";
}

// A quantity that parses back to exactly `value`: nano-units or whole units when
// they do, else the shortest decimal exponent form that round-trips.
std::string usage_quantity(double value, bool whole_units_first) {
  char text[48];
  if (whole_units_first && std::floor(value) == value && std::abs(value) < 9e15) {
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(value));
    return text;
  }
  double nanos = std::round(value * 1e9);
  if (std::abs(nanos) < 9e15 && nanos / 1e9 == value) {
    std::snprintf(text, sizeof text, "%lldn", static_cast<long long>(nanos));
    return text;
  }
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

struct PointRef {
  std::size_t series;
  const SamplePoint* point;
};

void write_pod(std::ostream& out, const SampleSet& samples, std::int64_t time_ns,
               const std::vector<PointRef>& points) {
  const ContainerSeries& first = samples.series()[points.front().series];
  const PodRecord& pod = samples.pods()[first.pod];
  out << R"({"metadata":{"name":)";
  write_json_string(out, pod.name);
  out << R"(,"namespace":)";
  write_json_string(out, pod.namespace_name);
  if (!pod.labels.empty()) {
    out << R"(,"labels":{)";
    bool comma = false;
    for (const auto& [key, value] : pod.labels) {
      if (comma) out << ',';
      write_json_string(out, key);
      out << ':';
      write_json_string(out, value);
      comma = true;
    }
    out << '}';
  }
  out << R"(},"timestamp":")" << format_rfc3339(time_ns) << R"(","window":")"
      << go_duration(first.first_window_seconds) << R"(","containers":[)";
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out << ',';
    out << R"({"name":)";
    write_json_string(out, samples.series()[points[i].series].container);
    out << R"(,"usage":{"cpu":")" << usage_quantity(points[i].point->cpu_cores, false)
        << R"(","memory":")" << usage_quantity(points[i].point->memory_bytes, true) << R"("}})";
  }
  out << "]}";
}

}  // namespace

void write_jsonl(std::ostream& out, const SampleSet& samples) {
  // time -> pod -> that pod's container points at that time
  std::map<std::int64_t, std::map<std::uint32_t, std::vector<PointRef>>> polls;
  for (std::size_t s = 0; s < samples.series().size(); ++s) {
    const ContainerSeries& series = samples.series()[s];
    for (const SamplePoint& point : series.points) {
      polls[point.time_ns][series.pod].push_back(PointRef{s, &point});
    }
  }
  for (const auto& [time_ns, pods] : polls) {
    out << R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},)"
        << R"("items":[)";
    bool comma = false;
    for (const auto& [pod, points] : pods) {
      if (comma) out << ',';
      write_pod(out, samples, time_ns, points);
      comma = true;
    }
    out << "]}\n";
  }
}

}  // namespace podfit::store

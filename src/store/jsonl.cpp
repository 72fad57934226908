// `podfit store export`: raw points as PodMetricsList JSON Lines, one line per
// timestamp, written so that source::read_recorded reads back the same values.
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "podfit/store/store.hpp"

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

// Civil date of a day count since 1970-01-01 (proleptic Gregorian).
void civil_from_days(std::int64_t days, std::int64_t& year, int& month, int& day) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  std::int64_t day_of_era = days - era * 146097;
  std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
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

std::string format_rfc3339(std::int64_t time_ns) {
  std::int64_t seconds =
      time_ns >= 0 ? time_ns / 1000000000 : -((-time_ns + 999999999) / 1000000000);
  std::int64_t nanos = time_ns - seconds * 1000000000;
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t second_of_day = seconds - days * 86400;
  std::int64_t year = 0;
  int month = 0, day = 0;
  civil_from_days(days, year, month, day);
  char text[48];
  int size = std::snprintf(
      text, sizeof text, "%04lld-%02d-%02dT%02lld:%02lld:%02lld", static_cast<long long>(year),
      month, day, static_cast<long long>(second_of_day / 3600),
      static_cast<long long>(second_of_day / 60 % 60), static_cast<long long>(second_of_day % 60));
  std::string result(text, static_cast<std::size_t>(size));
  if (nanos != 0) {
    std::snprintf(text, sizeof text, ".%09lld", static_cast<long long>(nanos));
    result += text;
  }
  return result + "Z";
}

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

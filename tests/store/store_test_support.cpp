#include "store_test_support.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>

#include "support/support.hpp"

namespace podfit::test {

std::string samples_text(const SampleSet& samples) {
  std::vector<std::string> lines;
  for (const PodRecord& pod : samples.pods()) {
    std::string line = "pod " + pod.namespace_name + "/" + pod.name;
    for (const auto& [key, value] : pod.labels) line += " " + key + "=" + value;
    lines.push_back(line);
  }
  for (const ContainerSeries& series : samples.series()) {
    const PodRecord& pod = samples.pods()[series.pod];
    std::string prefix = pod.namespace_name + "/" + pod.name + "/" + series.container;
    char text[160];
    std::snprintf(text, sizeof text, " window %.17g", series.first_window_seconds);
    lines.push_back("series " + prefix + text);
    for (const SamplePoint& point : series.points) {
      std::snprintf(text, sizeof text, " %lld %.17g %.17g", static_cast<long long>(point.time_ns),
                    point.cpu_cores, point.memory_bytes);
      lines.push_back("point " + prefix + text);
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const std::string& line : lines) all += line + "\n";
  return all;
}

store::Store open_store(const std::string& path, store::OpenMode mode) {
  auto opened = store::Store::open(path, mode);
  if (!opened) FAIL(opened.error().message);
  return std::move(*opened);
}

std::string sqlite3_shell(const std::string& path, const std::string& sql) {
  CommandResult result =
      run_command("/usr/bin/sqlite3 " + shell_quote(path) + " " + shell_quote(sql));
  if (result.exit_code != 0) return "sqlite3 failed: " + result.err;
  return result.out;
}

}  // namespace podfit::test

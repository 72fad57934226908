// `podfit top --store`: kubectl-top-like lines from a window of the store's history.
#include "podfit/report/top_history.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "podfit/core/columns.hpp"
#include "podfit/core/quantile_sketch.hpp"
#include "podfit/core/time.hpp"
#include "podfit/stats/summary.hpp"

namespace podfit::report {

namespace {

// One resource: its latest value, and its P95 and MAX over the window.
struct Usage {
  std::optional<double> latest;
  double p95 = 0;
  double max = 0;
};

struct Line {
  std::string namespace_name, pod, container;  // container empty on a pod line
  Usage cpu, memory;
};

Usage exact_usage(std::vector<double> values, std::optional<double> latest) {
  Usage usage;
  usage.latest = latest;
  if (values.empty()) return usage;
  std::sort(values.begin(), values.end());
  usage.p95 = stats::percentile(values, 95);
  usage.max = values.back();
  return usage;
}

Usage sketched_usage(QuantileSketch sketch, const std::vector<double>& raw,
                     std::optional<double> latest) {
  for (double value : raw) sketch.add(value);
  return Usage{latest, sketch.quantile(95), sketch.max()};
}

struct ContainerData {
  const ContainerSeries* series = nullptr;
  std::optional<SamplePoint> folded_last;  // a long series folded as read: its newest point
  std::optional<QuantileSketch> cpu_sketch, memory_sketch;
};

struct PodData {
  const PodRecord* record = nullptr;
  std::map<std::string, ContainerData> containers;
};

Result<void> add_sketch(std::optional<QuantileSketch>& into, const QuantileSketch& sketch) {
  if (!into) {
    into = sketch;
    return {};
  }
  return into->merge(sketch);
}

Line container_line(const PodData& pod, const std::string& name, const ContainerData& data) {
  Line line{pod.record->namespace_name, pod.record->name, name, {}, {}};
  std::vector<double> cpu, memory;
  std::optional<double> latest_cpu, latest_memory;
  if (data.series != nullptr && !data.series->points.empty()) {
    for (const SamplePoint& point : data.series->points) {
      cpu.push_back(point.cpu_cores);
      memory.push_back(point.memory_bytes);
    }
    latest_cpu = data.series->points.back().cpu_cores;
    latest_memory = data.series->points.back().memory_bytes;
  }
  if (data.folded_last && (data.series == nullptr || data.series->points.empty() ||
                           data.folded_last->time_ns > data.series->points.back().time_ns)) {
    latest_cpu = data.folded_last->cpu_cores;
    latest_memory = data.folded_last->memory_bytes;
  }
  if (data.cpu_sketch) {
    line.cpu = sketched_usage(*data.cpu_sketch, cpu, latest_cpu);
    line.memory = sketched_usage(*data.memory_sketch, memory, latest_memory);
  } else {
    line.cpu = exact_usage(std::move(cpu), latest_cpu);
    line.memory = exact_usage(std::move(memory), latest_memory);
  }
  return line;
}

// The pod's total at each timestamp; with compacted hours of a pod with several containers,
// the sums of the containers' values instead (docs/store.md).
Line pod_line(const PodData& pod, const std::vector<Line>& containers) {
  Line line{pod.record->namespace_name, pod.record->name, "", {}, {}};
  bool sketched = false;
  for (const auto& [name, data] : pod.containers) sketched = sketched || data.cpu_sketch;
  if (containers.size() == 1) {
    line.cpu = containers[0].cpu;
    line.memory = containers[0].memory;
    return line;
  }
  std::map<std::int64_t, std::pair<double, double>> totals;  // time -> cpu, memory
  for (const auto& [name, data] : pod.containers) {
    if (data.folded_last) {
      totals[data.folded_last->time_ns].first += data.folded_last->cpu_cores;
      totals[data.folded_last->time_ns].second += data.folded_last->memory_bytes;
    }
    if (data.series == nullptr) continue;
    for (const SamplePoint& point : data.series->points) {
      totals[point.time_ns].first += point.cpu_cores;
      totals[point.time_ns].second += point.memory_bytes;
    }
  }
  std::optional<double> latest_cpu, latest_memory;
  if (!totals.empty()) {
    latest_cpu = totals.rbegin()->second.first;
    latest_memory = totals.rbegin()->second.second;
  }
  if (sketched) {
    line.cpu.latest = latest_cpu;
    line.memory.latest = latest_memory;
    for (const Line& container : containers) {
      line.cpu.p95 += container.cpu.p95;
      line.cpu.max += container.cpu.max;
      line.memory.p95 += container.memory.p95;
      line.memory.max += container.memory.max;
    }
    return line;
  }
  std::vector<double> cpu, memory;
  for (const auto& [time, total] : totals) {
    cpu.push_back(total.first);
    memory.push_back(total.second);
  }
  line.cpu = exact_usage(std::move(cpu), latest_cpu);
  line.memory = exact_usage(std::move(memory), latest_memory);
  return line;
}

std::vector<std::string> header(const kube::TopOptions& options) {
  std::vector<std::string> cells;
  if (options.with_namespace) cells.push_back("NAMESPACE");
  if (options.containers) cells.push_back("POD");
  for (const char* name :
       {"NAME", "CPU(cores)", "CPU-P95", "CPU-MAX", "MEMORY(bytes)", "MEMORY-P95", "MEMORY-MAX"}) {
    cells.push_back(name);
  }
  return cells;
}

std::vector<std::string> cells(const Line& line, const kube::TopOptions& options) {
  std::vector<std::string> out;
  if (options.with_namespace) out.push_back(line.namespace_name);
  if (options.containers) out.push_back(line.pod);
  out.push_back(options.containers ? line.container : line.pod);
  auto latest = [](const std::optional<double>& value, auto format) {
    return value ? format(*value) : std::string("-");
  };
  out.push_back(latest(line.cpu.latest, kube::format_top_cores));
  out.push_back(kube::format_top_cores(line.cpu.p95));
  out.push_back(kube::format_top_cores(line.cpu.max));
  out.push_back(latest(line.memory.latest, kube::format_top_bytes));
  out.push_back(kube::format_top_bytes(line.memory.p95));
  out.push_back(kube::format_top_bytes(line.memory.max));
  return out;
}

// kubectl's order: by name, or by the current usage (as printed) descending; lines without
// a current value go last.
bool line_before(const Line& a, const Line& b, kube::TopSort sort) {
  auto key = [sort](const Line& line) {
    const std::optional<double>& value =
        sort == kube::TopSort::cpu ? line.cpu.latest : line.memory.latest;
    if (!value) return -1.0;
    return sort == kube::TopSort::cpu ? std::ceil(*value * 1000 - 1e-6) : std::ceil(*value - 1e-6);
  };
  if (sort != kube::TopSort::name) return key(a) > key(b);
  return std::tie(a.namespace_name, a.pod, a.container) <
         std::tie(b.namespace_name, b.pod, b.container);
}

struct PodLines {
  Line pod;
  std::vector<Line> containers;
};

}  // namespace

Result<std::string> format_top_history(const history::History& history,
                                       const TopHistoryRequest& request) {
  const std::vector<PodRecord>& records = history.samples.pods();
  auto wanted = [&](std::uint32_t pod) {
    const PodRecord& record = records[pod];
    if (!request.namespace_name.empty() && record.namespace_name != request.namespace_name)
      return false;
    return request.selector.empty() || request.selector.matches(record.labels);
  };
  std::map<std::uint32_t, PodData> pods;
  for (const ContainerSeries& series : history.samples.series()) {
    if (series.points.empty() || !wanted(series.pod)) continue;
    pods[series.pod].record = &records[series.pod];
    pods[series.pod].containers[series.container].series = &series;
  }
  for (const HourSketch& sketch : history.sketches) {
    if (!wanted(sketch.pod)) continue;
    PodData& pod = pods[sketch.pod];
    pod.record = &records[sketch.pod];
    ContainerData& data = pod.containers[sketch.container];
    auto merged = add_sketch(data.cpu_sketch, sketch.cpu);
    if (merged) merged = add_sketch(data.memory_sketch, sketch.memory);
    if (!merged) return fail(request.origin + ": " + merged.error().message);
  }
  for (const CompactedSeries& series : history.compacted) {
    if (!wanted(series.pod)) continue;
    PodData& pod = pods[series.pod];
    pod.record = &records[series.pod];
    pod.containers[series.container].folded_last =
        SamplePoint{series.last_ns, series.last_cpu_cores, series.last_memory_bytes};
  }
  if (pods.empty()) {
    std::string scope = request.namespace_name.empty()
                            ? std::string("of any pod")
                            : "of pods in namespace \"" + request.namespace_name + "\"";
    if (!request.selector_text.empty()) scope += " matching -l " + request.selector_text;
    return fail(request.origin + ": no samples " + scope + " in the " + request.window_text +
                " up to " + format_rfc3339(request.end_ns - 1) +
                " (the newest sample in the store)");
  }

  kube::TopSort sort = request.table.sort;
  std::vector<PodLines> lines;
  for (const auto& [index, pod] : pods) {
    PodLines one;
    for (const auto& [name, data] : pod.containers)
      one.containers.push_back(container_line(pod, name, data));
    one.pod = pod_line(pod, one.containers);
    std::stable_sort(one.containers.begin(), one.containers.end(),
                     [&](const Line& a, const Line& b) { return line_before(a, b, sort); });
    lines.push_back(std::move(one));
  }
  std::stable_sort(lines.begin(), lines.end(), [&](const PodLines& a, const PodLines& b) {
    return line_before(a.pod, b.pod, sort);
  });
  kube::TopOptions table = request.table;
  table.with_namespace = request.namespace_name.empty();
  std::vector<std::vector<std::string>> rows;
  if (!table.no_headers) rows.push_back(header(table));
  for (const PodLines& one : lines) {
    if (!table.containers) rows.push_back(cells(one.pod, table));
    for (const Line& line : table.containers ? one.containers : std::vector<Line>{})
      rows.push_back(cells(line, table));
  }
  return format_columns(rows, kube::kTopColumns);
}

}  // namespace podfit::report

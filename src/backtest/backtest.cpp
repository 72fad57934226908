// run_backtest: recommend from the training part, replay the test part.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "podfit/backtest/backtest.hpp"

#include "podfit/stats/summary.hpp"

namespace podfit::backtest {

namespace {

using ContainerKey = std::pair<WorkloadRef, std::string>;

struct ContainerData {
  TrainingData training;
  std::map<std::uint32_t, std::vector<SamplePoint>> points_of_pod;  // training, in time order
  std::vector<SamplePoint> test_points;
  std::vector<const HourSketch*> test_hours;
};

// One point per compacted hour, its maxima: the peaks VPA's memory model needs.
SamplePoint peak_of(const HourSketch& hour) {
  return SamplePoint{hour.hour_start_ns, hour.cpu.max(), hour.memory.max()};
}

// Groups the training and test parts by workload container.
std::map<ContainerKey, ContainerData> group(const history::History& train,
                                            const history::History& test) {
  const std::vector<WorkloadRef>& workload_of_pod = train.workload_of_pod;
  auto workload_of = [&](std::uint32_t pod) {
    return pod < workload_of_pod.size() ? workload_of_pod[pod] : WorkloadRef{};
  };
  std::map<ContainerKey, ContainerData> groups;
  std::map<WorkloadRef, std::map<std::uint32_t, std::set<std::string>>> containers_of_pod;
  for (const HourSketch& hour : train.sketches) {
    WorkloadRef workload = workload_of(hour.pod);
    groups[{workload, hour.container}].points_of_pod[hour.pod].push_back(peak_of(hour));
    containers_of_pod[workload][hour.pod].insert(hour.container);
  }
  for (const ContainerSeries& series : train.samples.series()) {
    if (series.points.empty()) continue;
    WorkloadRef workload = workload_of(series.pod);
    auto& points = groups[{workload, series.container}].points_of_pod[series.pod];
    points.insert(points.end(), series.points.begin(), series.points.end());
    containers_of_pod[workload][series.pod].insert(series.container);
  }
  for (const ContainerSeries& series : test.samples.series()) {
    auto found = groups.find({workload_of(series.pod), series.container});
    if (found == groups.end()) continue;  // nothing to train on
    auto& points = found->second.test_points;
    points.insert(points.end(), series.points.begin(), series.points.end());
  }
  for (const HourSketch& hour : test.sketches) {
    auto found = groups.find({workload_of(hour.pod), hour.container});
    if (found != groups.end()) found->second.test_hours.push_back(&hour);
  }
  for (auto& [key, data] : groups) {
    for (auto& [pod, points] : data.points_of_pod) {
      std::sort(points.begin(), points.end(),
                [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns < b.time_ns; });
      data.training.points_by_pod.push_back(std::move(points));
    }
    data.points_of_pod.clear();
    for (const auto& [pod, names] : containers_of_pod[key.first]) {
      data.training.containers_per_pod = std::max(data.training.containers_per_pod, names.size());
    }
  }
  return groups;
}

void add_to(Exposure& total, const Exposure& part) {
  if (!part.known) return;
  total.known = true;
  total.samples += part.samples;
  total.cpu_over_request += part.cpu_over_request;
  total.cpu_over_limit += part.cpu_over_limit;
  total.memory_over_request += part.memory_over_request;
  total.memory_over_limit += part.memory_over_limit;
  total.cpu_idle_cores += part.cpu_idle_cores;
  total.memory_idle_bytes += part.memory_idle_bytes;
}

std::vector<Totals> totals_of(const std::vector<ContainerResult>& containers,
                              const std::vector<Preset>& presets) {
  std::map<std::pair<std::string, int>, Totals> by_namespace;
  std::map<int, Totals> overall;
  for (const ContainerResult& result : containers) {
    for (Totals* totals : {&by_namespace[{result.workload.namespace_name, int(result.preset)}],
                           &overall[int(result.preset)]}) {
      totals->preset = result.preset;
      ++totals->containers;
      add_to(totals->with_recommended, result.with_recommended);
      add_to(totals->with_current, result.with_current);
    }
  }
  std::vector<Totals> list;
  for (auto& [key, totals] : by_namespace) {
    totals.scope = key.first;
    list.push_back(totals);
  }
  for (Preset preset : presets) {
    auto found = overall.find(int(preset));
    if (found != overall.end()) list.push_back(found->second);
  }
  return list;
}

}  // namespace

BacktestResult run_backtest(const history::History& history, const BacktestRequest& request) {
  BacktestResult result;
  result.split = request.split;
  history::History train = slice(history, request.split.train_begin_ns, request.split.split_ns);
  history::History test = slice(history, request.split.split_ns, request.split.test_end_ns + 1);
  std::map<ContainerKey, ContainerData> groups = group(train, test);
  std::map<ContainerKey, EventCounts> events = history::event_counts(train);

  for (stats::ContainerStats& stats :
       stats::compute_history_stats(train.samples, train.sketches, train.workload_of_pod,
                                    request.options.half_life_seconds)) {
    auto found = groups.find({stats.workload, stats.container});
    if (found == groups.end()) continue;
    ContainerData& data = found->second;
    data.training.stats = stats;
    if (auto seen = events.find(found->first); seen != events.end()) {
      data.training.events = seen->second;
    }
    Resources current = request.current_of
                            ? request.current_of(stats.workload, stats.container)
                            : history::current_resources(history, stats.workload, stats.container);
    Exposure with_current = replay(data.test_points, data.test_hours, current);
    for (Preset preset : request.presets) {
      ContainerResult container;
      container.workload = stats.workload;
      container.container = stats.container;
      container.preset = preset;
      container.train_samples = stats.samples;
      container.recommendation = recommend_with(preset, data.training, current, request.options);
      container.with_recommended =
          replay(data.test_points, data.test_hours, container.recommendation.recommended);
      container.with_current = with_current;
      result.containers.push_back(std::move(container));
    }
  }
  result.totals = totals_of(result.containers, request.presets);
  return result;
}

BacktestResult run_backtest(const SampleSet& samples,
                            const std::vector<WorkloadRef>& workload_of_pod,
                            const BacktestRequest& request) {
  history::History history;
  history.samples = samples;
  history.workload_of_pod = workload_of_pod;
  return run_backtest(history, request);
}

}  // namespace podfit::backtest

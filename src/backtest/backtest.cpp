// run_backtest: recommend from the training part, replay the test part.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "podfit/backtest/backtest.hpp"

#include "backtest/step.hpp"
#include "podfit/stats/summary.hpp"

namespace podfit::backtest {

namespace {

struct ContainerData {
  TrainingData training;
  std::map<std::uint32_t, std::vector<SamplePoint>> points_of_pod;  // training, in time order
  std::vector<SamplePoint> test_points;
  std::vector<const HourSketch*> test_hours;
};

// One point per compacted hour, its maxima: the peaks VPA's memory model needs (a part
// of hours has them in HourSketch::peaks).
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
    auto& points = groups[{workload, hour.container}].points_of_pod[hour.pod];
    if (hour.peaks.empty()) {
      points.push_back(peak_of(hour));
    } else {  // a part of a backtest's history: its clock hours' peaks
      points.insert(points.end(), hour.peaks.begin(), hour.peaks.end());
    }
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

}  // namespace

std::size_t values_changed(const Resources& before, const Resources& after) {
  auto differs = [](const std::optional<ResourceValue>& a, const std::optional<ResourceValue>& b) {
    return a.has_value() != b.has_value() || (a && a->amount != b->amount);
  };
  return differs(before.cpu_request, after.cpu_request) +
         differs(before.cpu_limit, after.cpu_limit) +
         differs(before.memory_request, after.memory_request) +
         differs(before.memory_limit, after.memory_limit);
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
      totals->containers_with_oom += result.with_recommended.memory_over_limit > 0;
      totals->changes += result.changes;
      totals->with_recommended.pool(result.with_recommended);
      totals->with_current.pool(result.with_current);
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

std::vector<ContainerResult> run_step(const StepInputs& inputs, const BacktestRequest& request) {
  const history::History& train = *inputs.train;
  std::map<ContainerKey, ContainerData> groups = group(train, *inputs.test);
  std::map<ContainerKey, EventCounts> events = history::event_counts(train);
  std::vector<ContainerResult> results;
  for (stats::ContainerStats& stats :
       stats::compute_history_stats(train.samples, train.sketches, train.workload_of_pod,
                                    request.options.half_life_seconds, train.compacted)) {
    ContainerKey key{stats.workload, stats.container};
    auto found = groups.find(key);
    if (found == groups.end()) continue;
    ContainerData& data = found->second;
    data.training.stats = stats;
    if (auto seen = events.find(key); seen != events.end()) data.training.events = seen->second;
    Resources current = inputs.current(key);
    Exposure with_current =
        replay(data.test_points, data.test_hours, current, inputs.day_origin_ns);
    for (Preset preset : request.presets) {
      TrainingData training = data.training;
      if (auto kills = inputs.replayed_kills.find({key, preset});
          kills != inputs.replayed_kills.end()) {
        training.events.restarts += kills->second.restarts;
        training.events.oom_kills += kills->second.oom_kills;
        training.events.oom_memory_limit_bytes =
            std::max(training.events.oom_memory_limit_bytes, kills->second.oom_memory_limit_bytes);
      }
      Resources in_force = inputs.in_force(key, preset);
      ContainerResult container;
      container.workload = stats.workload;
      container.container = stats.container;
      container.preset = preset;
      container.train_samples = stats.samples;
      container.recommendation = recommend_with(preset, training, in_force, request.options);
      container.recommendation.current = current;
      container.with_recommended =
          replay(data.test_points, data.test_hours, container.recommendation.recommended,
                 inputs.day_origin_ns);
      container.with_current = with_current;
      results.push_back(std::move(container));
    }
  }
  return results;
}

BacktestResult run_backtest(const history::History& history, const BacktestRequest& request) {
  if (request.walk_forward.interval_seconds > 0) return run_walk_forward(history, request);
  BacktestResult result;
  result.split = request.split;
  history::History train = slice(history, request.split.train_begin_ns, request.split.split_ns);
  history::History test = slice(history, request.split.split_ns, request.split.test_end_ns + 1);
  auto current = [&](const ContainerKey& key) {
    return request.current_of ? request.current_of(key.first, key.second)
                              : history::current_resources(history, key.first, key.second);
  };
  StepInputs inputs;
  inputs.train = &train;
  inputs.test = &test;
  inputs.current = current;
  inputs.in_force = [&](const ContainerKey& key, Preset) { return current(key); };
  inputs.day_origin_ns = request.split.split_ns;
  result.containers = run_step(inputs, request);
  for (ContainerResult& container : result.containers) {
    if (container.recommendation.current.empty()) continue;
    container.changes =
        values_changed(container.recommendation.current, container.recommendation.recommended);
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

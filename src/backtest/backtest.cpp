// run_backtest: recommend from the training part, replay the test part.
#include <map>
#include <set>
#include <tuple>

#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

namespace {

using ContainerKey = std::pair<WorkloadRef, std::string>;

struct ContainerData {
  TrainingData training;
  std::vector<SamplePoint> test_points;
};

// Groups the training and test points by workload container.
std::map<ContainerKey, ContainerData> group(const SampleSet& train, const SampleSet& test,
                                            const std::vector<WorkloadRef>& workload_of_pod) {
  std::map<ContainerKey, ContainerData> groups;
  std::map<WorkloadRef, std::map<std::uint32_t, std::set<std::string>>> containers_of_pod;
  for (const ContainerSeries& series : train.series()) {
    if (series.points.empty()) continue;
    const WorkloadRef& workload = workload_of_pod[series.pod];
    groups[{workload, series.container}].training.points_by_pod.push_back(series.points);
    containers_of_pod[workload][series.pod].insert(series.container);
  }
  for (const ContainerSeries& series : test.series()) {
    auto found = groups.find({workload_of_pod[series.pod], series.container});
    if (found == groups.end()) continue;  // nothing to train on
    auto& points = found->second.test_points;
    points.insert(points.end(), series.points.begin(), series.points.end());
  }
  for (auto& [key, data] : groups) {
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

BacktestResult run_backtest(const SampleSet& samples,
                            const std::vector<WorkloadRef>& workload_of_pod,
                            const BacktestRequest& request) {
  BacktestResult result;
  result.split = request.split;
  SampleSet train = slice(samples, request.split.train_begin_ns, request.split.split_ns);
  SampleSet test = slice(samples, request.split.split_ns, request.split.test_end_ns + 1);
  std::map<ContainerKey, ContainerData> groups = group(train, test, workload_of_pod);

  double half_life = request.options.half_life_seconds;
  for (stats::ContainerStats& stats :
       stats::compute_container_stats(train, workload_of_pod, half_life)) {
    auto found = groups.find({stats.workload, stats.container});
    if (found == groups.end()) continue;
    ContainerData& data = found->second;
    data.training.stats = stats;
    Resources current =
        request.current_of ? request.current_of(stats.workload, stats.container) : Resources{};
    Exposure with_current = replay(data.test_points, current);
    for (Preset preset : request.presets) {
      ContainerResult container;
      container.workload = stats.workload;
      container.container = stats.container;
      container.preset = preset;
      container.train_samples = stats.samples;
      container.recommendation = recommend_with(preset, data.training, current, request.options);
      container.with_recommended = replay(data.test_points, container.recommendation.recommended);
      container.with_current = with_current;
      result.containers.push_back(std::move(container));
    }
  }
  result.totals = totals_of(result.containers, request.presets);
  return result;
}

}  // namespace podfit::backtest

// One recommend-and-replay step, shared by the one-shot split and walk-forward.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

using ContainerKey = std::pair<WorkloadRef, std::string>;

struct StepInputs {
  const history::History* train = nullptr;
  const history::History* test = nullptr;
  // The resources in force before the step, per container and preset.
  std::function<Resources(const ContainerKey&, Preset)> in_force;
  // The manifests' resources, replayed as `with_current`.
  std::function<Resources(const ContainerKey&)> current;
  // OOM kills the replay caused before (walk-forward), added to the training events.
  std::map<std::pair<ContainerKey, Preset>, EventCounts> replayed_kills;
  std::int64_t day_origin_ns = 0;
};

// Per container with training and test data, per preset in order: the recommendation made
// from the training part and its exposure over the test part.
std::vector<ContainerResult> run_step(const StepInputs& inputs, const BacktestRequest& request);

// How many of the four values differ in amount (absent vs present counts).
std::size_t values_changed(const Resources& before, const Resources& after);

// Per namespace, then the whole run, per preset.
std::vector<Totals> totals_of(const std::vector<ContainerResult>& containers,
                              const std::vector<Preset>& presets);

}  // namespace podfit::backtest

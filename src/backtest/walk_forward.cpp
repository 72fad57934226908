// Walk-forward backtest: the CronJob's life. Every interval, recommend from the trailing
// window, apply (as the live policy would), replay the next interval.
#include <algorithm>
#include <cmath>
#include <map>

#include "backtest/step.hpp"
#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

namespace {

using PresetKey = std::pair<ContainerKey, Preset>;

std::int64_t to_ns(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

// What one container and preset carries from one interval to the next.
struct Carried {
  ContainerResult merged;            // exposures summed over the intervals
  std::optional<Resources> applied;  // in force; unset before the first recommendation
  std::vector<std::pair<std::int64_t, double>> kills;  // replayed OOM kills: time, limit
};

EventCounts kills_since(const Carried& carried, std::int64_t since_ns) {
  EventCounts counts;
  for (const auto& [time_ns, limit] : carried.kills) {
    if (time_ns < since_ns) continue;
    ContainerEvent event;
    event.reason = "OOMKilled";
    event.memory_limit_bytes = limit;
    counts.add(event);
  }
  return counts;
}

// Applies one interval's result to what is carried.
void carry(Carried& carried, ContainerResult&& step, bool first) {
  const Resources& recommended = step.recommendation.recommended;
  if (step.recommendation.has_recommendation) {
    if (carried.applied) carried.merged.changes += values_changed(*carried.applied, recommended);
    carried.applied = recommended;
  }
  if (step.with_recommended.first_oom_ns != 0 && recommended.memory_limit) {
    carried.kills.emplace_back(step.with_recommended.first_oom_ns,
                               recommended.memory_limit->amount);
  }
  if (first) {
    std::size_t changes = carried.merged.changes;
    carried.merged = std::move(step);
    carried.merged.changes = changes;
    return;
  }
  carried.merged.with_recommended.add(step.with_recommended);
  carried.merged.with_current.add(step.with_current);
  carried.merged.recommendation = std::move(step.recommendation);
  carried.merged.train_samples = step.train_samples;
}

}  // namespace

namespace {

Result<Split> span_of(Result<Split> whole, double interval_seconds) {
  if (!(interval_seconds > 0)) return fail("--walk-forward needs a positive interval, e.g. 24h");
  if (!whole) return whole;
  Split span = *whole;
  span.split_ns = span.train_begin_ns + to_ns(interval_seconds);
  if (span.split_ns > span.test_end_ns) {
    return fail("the history covers less than one --walk-forward interval: nothing to replay");
  }
  return span;
}

}  // namespace

Result<Split> walk_forward_span(const history::History& history, double interval_seconds) {
  return span_of(split_by_fraction(history, 0.5), interval_seconds);
}

Result<Split> walk_forward_span(const history::TimeSpan& covered, double interval_seconds) {
  return span_of(split_by_fraction(covered, 0.5), interval_seconds);
}

TimeParts backtest_parts(const BacktestRequest& request) {
  const Split& split = request.split;
  std::vector<std::int64_t> bounds{split.train_begin_ns, split.split_ns, split.test_end_ns + 1};
  const std::int64_t interval_ns = to_ns(request.walk_forward.interval_seconds);
  const std::int64_t window_ns = to_ns(request.walk_forward.window_seconds);
  for (std::int64_t start = split.split_ns; interval_ns > 0 && start <= split.test_end_ns;
       start += interval_ns) {
    bounds.push_back(start);
    bounds.push_back(std::max(split.train_begin_ns, start - window_ns));
    bounds.push_back(std::min(start + interval_ns, split.test_end_ns + 1));
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return TimeParts{std::move(bounds)};
}

BacktestResult run_walk_forward(const history::History& history, const BacktestRequest& request) {
  BacktestResult result;
  result.split = request.split;
  result.walk_forward = request.walk_forward;
  const std::int64_t interval_ns = to_ns(request.walk_forward.interval_seconds);
  const std::int64_t window_ns = to_ns(request.walk_forward.window_seconds);
  auto current = [&](const ContainerKey& key) {
    return request.current_of ? request.current_of(key.first, key.second)
                              : history::current_resources(history, key.first, key.second);
  };
  std::map<PresetKey, Carried> carried;
  for (std::int64_t start = request.split.split_ns;
       interval_ns > 0 && start <= request.split.test_end_ns; start += interval_ns) {
    std::int64_t train_begin = std::max(request.split.train_begin_ns, start - window_ns);
    history::History train = slice(history, train_begin, start);
    history::History test =
        slice(history, start, std::min(start + interval_ns, request.split.test_end_ns + 1));
    StepInputs inputs;
    inputs.train = &train;
    inputs.test = &test;
    inputs.current = current;
    inputs.in_force = [&](const ContainerKey& key, Preset preset) {
      auto found = carried.find({key, preset});
      return found != carried.end() && found->second.applied ? *found->second.applied
                                                             : current(key);
    };
    for (const auto& [key, state] : carried) {
      EventCounts kills = kills_since(state, train_begin);
      if (kills.oom_kills > 0) inputs.replayed_kills[key] = kills;
    }
    inputs.day_origin_ns = request.split.split_ns;
    std::vector<ContainerResult> step = run_step(inputs, request);
    for (ContainerResult& container : step) {
      PresetKey key{{container.workload, container.container}, container.preset};
      auto [found, first] = carried.try_emplace(key);
      if (first && !container.recommendation.current.empty()) {
        found->second.applied = container.recommendation.current;
      }
      carry(found->second, std::move(container), first);
    }
    ++result.steps;
  }
  for (auto& [key, state] : carried) result.containers.push_back(std::move(state.merged));
  // By workload, container, then preset order, as the split's results are.
  std::stable_sort(
      result.containers.begin(), result.containers.end(),
      [&](const ContainerResult& a, const ContainerResult& b) {
        auto rank = [&](Preset preset) {
          return std::find(request.presets.begin(), request.presets.end(), preset) -
                 request.presets.begin();
        };
        return std::tie(a.workload, a.container) < std::tie(b.workload, b.container) ||
               (std::tie(a.workload, a.container) == std::tie(b.workload, b.container) &&
                rank(a.preset) < rank(b.preset));
      });
  result.totals = totals_of(result.containers, request.presets);
  return result;
}

}  // namespace podfit::backtest

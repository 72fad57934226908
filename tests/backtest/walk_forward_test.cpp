// Walk-forward backtests and the Autopilot measures, on traces worked out by hand.
#include <catch2/catch.hpp>

#include "podfit/backtest/backtest.hpp"

using namespace podfit;
using namespace podfit::backtest;

namespace {

constexpr double kMi = 1024.0 * 1024.0;
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kHour = 3600 * kSecond;

ResourceValue value(double amount) {
  return ResourceValue{amount, "x"};
}

// One Deployment pod, one point every `step_s` for `days` days; usage from the callbacks.
template <class Cpu, class Memory>
history::History trace(int days, int step_s, Cpu cpu, Memory memory) {
  history::History history;
  Labels labels{{"app", "api"}};
  std::uint32_t pod = history.samples.intern_pod("shop", "api-7d4b9c8f6d-x2x4z", &labels);
  for (std::int64_t t = 0; t < days * 86400LL; t += step_s) {
    history.samples.add(pod, "app", SamplePoint{t * kSecond, cpu(t), memory(t)}, step_s);
  }
  history.samples.finalize();
  history.workload_of_pod = {WorkloadRef{"shop", "Deployment", "api"}};
  return history;
}

const ContainerResult& only(const BacktestResult& result, Preset preset) {
  for (const ContainerResult& container : result.containers) {
    if (container.preset == preset) return container;
  }
  FAIL("no result for " << preset_name(preset));
  throw;
}

BacktestResult walk(const history::History& history, std::vector<Preset> presets,
                    double window_seconds) {
  BacktestRequest request;
  request.presets = std::move(presets);
  request.walk_forward = WalkForward{86400, window_seconds};
  auto span = walk_forward_span(history, 86400);
  REQUIRE(span);
  request.split = *span;
  return run_backtest(history, request);
}

}  // namespace

TEST_CASE("replay measures relative slack, OOM kills and OOM-free days", "[backtest]") {
  // Day 0: memory 100, 300, 300 (one run above the 250 limit: one kill), 100;
  // day 1: 100, 100 (no crossing); day 2: 300 (a kill).
  std::vector<SamplePoint> usage;
  std::vector<std::pair<int, double>> points{{1, 100},  {2, 300},  {3, 300}, {4, 100},
                                             {25, 100}, {26, 100}, {49, 300}};
  for (auto [hour, memory] : points) usage.push_back(SamplePoint{hour * kHour, 0.1, memory * kMi});
  Resources resources;
  resources.cpu_request = value(0.4);  // slack (0.4 - 0.1) / 0.4 = 75 % at every sample
  resources.memory_request = value(200 * kMi);
  resources.memory_limit = value(250 * kMi);
  Exposure exposure = replay(usage, {}, resources, 0);
  CHECK(exposure.samples == 7);
  CHECK(exposure.memory_over_limit == 3);
  CHECK(exposure.oom_kills == 2);
  CHECK(exposure.days() == 3);
  CHECK(exposure.oom_free_days() == 1);
  CHECK(exposure.first_oom_ns == 2 * kHour);
  CHECK(exposure.cpu_request_slack.mean() == Approx(0.75));
  CHECK(exposure.cpu_limit_slack.samples == 0);  // no limit, no slack
  // Memory request slack: 100 -> 0.5 at four samples, 300 -> 0 at three: 2 / 7.
  CHECK(exposure.memory_request_slack.mean() == Approx(2.0 / 7));
  // Limit slack: 100 -> 0.6 (x4), 300 -> 0 (x3).
  CHECK(exposure.memory_limit_slack.mean() == Approx(2.4 / 7));
  // The idle reserve is the mean over samples: CPU 0.3 each; memory 100Mi at four samples.
  CHECK(exposure.cpu_idle_cores() == Approx(0.3));
  CHECK(exposure.memory_idle_bytes() == Approx(400 * kMi / 7));
}

TEST_CASE("totals pool containers: counts add, idle reserves are the sum of the means",
          "[backtest]") {
  Exposure a;
  a.known = true;
  a.samples = 2;
  a.cpu_idle_sum = 0.4;  // mean 0.2
  a.crossed_by_day = {{0, false}, {1, true}};
  Exposure b = a;
  b.samples = 4;
  b.cpu_idle_sum = 0.4;  // mean 0.1
  Exposure total;
  total.pool(a);
  total.pool(b);
  CHECK(total.samples == 6);
  CHECK(total.cpu_idle_cores() == Approx(0.3));
  CHECK(total.days() == 4);
  CHECK(total.oom_free_days() == 2);
}

TEST_CASE("walk-forward re-recommends every interval from the trailing window", "[backtest]") {
  // Hourly points over 3 days: CPU 0.1 and memory 100Mi on day 0, then 0.2 and 300Mi.
  history::History history = trace(
      3, 3600, [](std::int64_t t) { return t < 86400 ? 0.1 : 0.2; },
      [](std::int64_t t) { return (t < 86400 ? 100 : 300) * kMi; });
  BacktestResult result = walk(history, {Preset::krr}, 14 * 86400.0);
  REQUIRE(result.steps == 2);  // replays day 1 (trained on day 0) and day 2 (days 0-1)
  const ContainerResult& krr = only(result, Preset::krr);
  // Day 1 against KRR from day 0 (CPU p95 0.1, memory max x 1.15 = 115Mi): every one of
  // its 24 samples is above the CPU request and the memory limit, one kill. Day 2 against
  // KRR from days 0-1 (CPU p95 0.2, memory 345Mi): nothing crosses.
  CHECK(krr.with_recommended.samples == 48);  // 24 points a day, the last at 71 h
  CHECK(krr.with_recommended.cpu_over_request == 24);
  CHECK(krr.with_recommended.memory_over_limit == 24);
  CHECK(krr.with_recommended.oom_kills == 1);
  CHECK(krr.with_recommended.days() == 2);
  CHECK(krr.with_recommended.oom_free_days() == 1);
  // The second interval changed the CPU request and both memory values; the first
  // application (nothing was set before) is not a change.
  CHECK(krr.changes == 3);
  CHECK(krr.recommendation.recommended.memory_limit->amount == 345 * kMi);
  REQUIRE(result.totals.size() == 2);
  CHECK(result.totals.back().containers_with_oom == 1);
  CHECK(result.totals.back().changes == 3);
}

TEST_CASE("walk-forward feeds a replayed OOM kill back into the next recommendation",
          "[backtest]") {
  // 15-minute points over 4 days, memory 100Mi except one 250Mi spike on day 1. podfit's
  // day-1 memory limit (from day 0: max 100Mi x 2 = 200Mi) is crossed once; from then
  // on its memory request is at least 1.2 x 200Mi = 240Mi, though the p99 of the
  // training part stays 100Mi (115Mi with its margin).
  history::History history = trace(
      4, 900, [](std::int64_t) { return 0.1; },
      [](std::int64_t t) { return (t == 86400 + 36000 ? 250 : 100) * kMi; });
  BacktestResult result = walk(history, {Preset::podfit}, 14 * 86400.0);
  REQUIRE(result.steps == 3);
  const ContainerResult& podfit = only(result, Preset::podfit);
  CHECK(podfit.with_recommended.oom_kills == 1);
  CHECK(podfit.recommendation.recommended.memory_request->amount == 240 * kMi);
  // The same trace, but a window of 1 day: the last recommendation trains on day 2, after
  // the kill's day, so the kill no longer counts and the request is p99 x 1.15 = 115Mi.
  BacktestResult short_window = walk(history, {Preset::podfit}, 86400.0);
  CHECK(only(short_window, Preset::podfit).recommendation.recommended.memory_request->amount ==
        115 * kMi);
}

TEST_CASE("walk-forward refuses a history shorter than one interval", "[backtest]") {
  history::History history = trace(
      1, 3600, [](std::int64_t) { return 0.1; }, [](std::int64_t) { return 100 * kMi; });
  CHECK_FALSE(walk_forward_span(history, 2 * 86400.0));
  CHECK_FALSE(walk_forward_span(history, 0));
}

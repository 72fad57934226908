// Time-decayed statistics: weighted percentiles on hand-worked cases, a load that
// changed, and the sketch path against the exact weighted answer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "podfit/core/hour_sketch.hpp"
#include "podfit/stats/summary.hpp"

using namespace podfit;
using stats::WeightedValue;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kHour = 3600 * kSecond;
constexpr std::int64_t kStart = 1'790'000'000 * kSecond;  // on an hour boundary
constexpr double kDay = 86400;

const WorkloadRef kApi{"shop", "Deployment", "api"};

// Old level for `old_days`, then the recent level for `recent_days`, a point every 10 min.
SampleSet changed_load(double old_cpu, double recent_cpu, int old_days, int recent_days) {
  SampleSet samples;
  std::uint32_t pod = samples.intern_pod("shop", "api-7d9f8c6b5d-abcde");
  std::int64_t step = 600 * kSecond;
  std::int64_t points = (old_days + recent_days) * 144;
  for (std::int64_t i = 0; i < points; ++i) {
    double cpu = i < old_days * 144 ? old_cpu : recent_cpu;
    cpu *= 1 + 0.01 * static_cast<double>(i % 7);  // a little spread: 1.00 .. 1.06
    samples.add(pod, "app", SamplePoint{kStart + i * step, cpu, 100e6}, 30);
  }
  samples.finalize();
  return samples;
}

}  // namespace

TEST_CASE("weighted_percentile is the inverted CDF of the weights", "[stats][decay]") {
  std::vector<WeightedValue> equal = {{1, 1}, {2, 1}, {3, 1}, {4, 1}};
  // Thresholds 0.5 x 4 = 2 -> cumulative 1, 2: the 2nd value; 0.9 x 4 = 3.6 -> the 4th.
  CHECK(stats::weighted_percentile(equal, 50) == 2);
  CHECK(stats::weighted_percentile(equal, 90) == 4);
  CHECK(stats::weighted_percentile(equal, 25) == 1);
  CHECK(stats::weighted_percentile(equal, 0) == 1);
  CHECK(stats::weighted_percentile(equal, 100) == 4);
  // Total 7: 50 % is 3.5, reached by the first value alone (weight 4).
  std::vector<WeightedValue> heavy_low = {{10, 4}, {20, 1}, {30, 1}, {40, 1}};
  CHECK(stats::weighted_percentile(heavy_low, 50) == 10);
  CHECK(stats::weighted_percentile(heavy_low, 60) == 20);  // 4.2: 4 + 1 = 5
  CHECK(stats::weighted_percentile(heavy_low, 90) == 40);  // 6.3: 6 < 6.3 <= 7
  CHECK(std::isnan(stats::weighted_percentile({}, 50)));
}

TEST_CASE("summarize_weighted: weighted mean, percentiles, max of every value", "[stats][decay]") {
  // The 100 weighs next to nothing: it moves no percentile but stays the max.
  stats::Summary s = stats::summarize_weighted({{5, 1}, {100, 1e-6}, {1, 1}, {3, 2}});
  CHECK(s.count == 4);
  CHECK(s.p50 == 3);  // sorted 1 (1), 3 (2), 5 (1), 100: total 4 + 1e-6, half reached at 3
  CHECK(s.p90 == 5);
  CHECK(s.p99 == 5);
  CHECK(s.max == 100);
  CHECK(s.mean == Approx((5 + 100e-6 + 1 + 6) / (4 + 1e-6)));
  CHECK(s.burst_ratio == Approx(100.0 / 3));
  CHECK(stats::summarize_weighted({}).count == 0);
}

TEST_CASE("decay_weight halves per half-life, Kish's effective sample size", "[stats][decay]") {
  CHECK(stats::decay_weight(0, kDay) == 1);
  CHECK(stats::decay_weight(kDay, kDay) == 0.5);
  CHECK(stats::decay_weight(3 * kDay, kDay) == 0.125);
  CHECK(stats::effective_samples(5, 5) == 5);                 // five weights of 1
  CHECK(stats::effective_samples(1.5, 1.25) == Approx(1.8));  // weights 1 and 0.5
  CHECK(stats::effective_samples(0, 0) == 0);
}

TEST_CASE("with a 24 h half-life the p90 follows a load that dropped 4 days ago",
          "[stats][decay]") {
  // 4 days at 400m, then 4 days at 100m. The recent days hold
  // (1 - 2^-4) / (1 - 2^-8) = 94 % of the weight: p90 is recent, p95 and p99 still old.
  SampleSet samples = changed_load(0.4, 0.1, 4, 4);
  auto flat = stats::compute_container_stats(samples, {kApi});
  auto decayed = stats::compute_container_stats(samples, {kApi}, kDay);
  REQUIRE(flat.size() == 1);
  REQUIRE(decayed.size() == 1);
  CHECK(flat[0].cpu.p90 >= 0.4);  // half the samples are high: unweighted p90 is high
  CHECK(flat[0].half_life_seconds == 0);
  CHECK(flat[0].effective_samples == 1152);
  CHECK(decayed[0].cpu.p50 <= 0.1061);
  CHECK(decayed[0].cpu.p90 <= 0.1061);
  CHECK(decayed[0].cpu.p95 >= 0.4);
  CHECK(decayed[0].cpu.max == flat[0].cpu.max);  // the old peak is not forgotten
  CHECK(decayed[0].samples == 1152);
  CHECK(decayed[0].half_life_seconds == kDay);
  // Continuous approximation 2 h / (T ln 2) x n = 2 x 144 / ln 2 = 415.5 for a long history.
  CHECK(decayed[0].effective_samples == Approx(2 * 144 / std::log(2.0)).epsilon(0.02));
  CHECK(decayed[0].window_seconds == flat[0].window_seconds);
}

TEST_CASE("without decay the statistics are the unweighted ones", "[stats][decay]") {
  SampleSet samples = changed_load(0.4, 0.1, 2, 2);
  auto flat = stats::compute_container_stats(samples, {kApi});
  std::vector<double> cpu;
  for (const auto& point : samples.series()[0].points) cpu.push_back(point.cpu_cores);
  stats::Summary expected = stats::summarize(cpu);
  CHECK(flat[0].cpu.p90 == expected.p90);
  CHECK(flat[0].cpu.mean == expected.mean);
  // A half-life far beyond the history: every weight is about 1, the inverted CDF of the
  // unweighted values (numpy's "inverted_cdf"), not the interpolating "linear".
  auto nearly_flat = stats::compute_container_stats(samples, {kApi}, 1e12);
  std::sort(cpu.begin(), cpu.end());
  auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(cpu.size()))) - 1;
  CHECK(nearly_flat[0].cpu.p90 == cpu[rank]);
  CHECK(nearly_flat[0].effective_samples == Approx(static_cast<double>(cpu.size())));
}

namespace {

// Random hourly data: sketched hours for the first `sketched` hours, raw points after.
struct History {
  SampleSet raw;
  std::vector<QuantileSketch> cpu, memory;
  std::vector<HourSketch> hours;
  std::vector<WeightedValue> exact_cpu, exact_memory;  // every sample, with its weight
};

void build_history(History& history, int sketched, int raw_hours, double half_life) {
  std::mt19937 random(7);
  std::lognormal_distribution<double> cpu_of(-2.0, 0.6), memory_of(19.0, 0.3);
  std::uint32_t pod = history.raw.intern_pod("shop", "api-7d9f8c6b5d-abcde");
  std::int64_t newest = kStart + (sketched + raw_hours) * kHour - 60 * kSecond;
  auto weight_at = [&](std::int64_t t) {
    return stats::decay_weight(static_cast<double>(newest - t) / 1e9, half_life);
  };
  history.cpu.reserve(sketched);
  history.memory.reserve(sketched);
  for (int h = 0; h < sketched + raw_hours; ++h) {
    // Load falls by hour: each hour's level is a third lower than the day before.
    double level = std::pow(2.0 / 3.0, h / 24.0);
    bool sketch = h < sketched;
    if (sketch) {
      history.cpu.emplace_back();
      history.memory.emplace_back();
    }
    double hour_weight = weight_at(kStart + h * kHour + kHour / 2);
    for (int m = 0; m < 60; ++m) {
      std::int64_t t = kStart + h * kHour + m * 60 * kSecond;
      double cpu = cpu_of(random) * level, memory = memory_of(random) * level;
      if (sketch) {
        history.cpu.back().add(cpu);
        history.memory.back().add(memory);
      } else {
        history.raw.add(pod, "app", SamplePoint{t, cpu, memory}, 30);
      }
      double weight = sketch ? hour_weight : weight_at(t);
      history.exact_cpu.push_back({cpu, weight});
      history.exact_memory.push_back({memory, weight});
    }
  }
  for (int h = 0; h < sketched; ++h) {
    history.hours.push_back({pod, "app", kStart + h * kHour, 0, history.cpu[h], history.memory[h]});
  }
  history.raw.finalize();
}

void check_within_sketch_bound(const stats::Summary& got, std::vector<WeightedValue> exact) {
  std::sort(exact.begin(), exact.end(),
            [](const WeightedValue& a, const WeightedValue& b) { return a.value < b.value; });
  for (double q : {50.0, 90.0, 95.0, 99.0}) {
    double want = stats::weighted_percentile(exact, q);
    double value = q == 50 ? got.p50 : q == 90 ? got.p90 : q == 95 ? got.p95 : got.p99;
    INFO("p" << q << ": " << value << " vs exact " << want);
    CHECK(std::fabs(value - want) <= 0.01 * want * (1 + 1e-12));
  }
  CHECK(got.max == std::max_element(exact.begin(), exact.end(), [](auto& a, auto& b) {
                     return a.value < b.value;
                   })->value);
}

}  // namespace

TEST_CASE("sketched hours and raw points: weighted percentiles within 1 % of exact",
          "[stats][decay]") {
  for (double half_life : {6 * 3600.0, kDay, 7 * kDay}) {
    History history;
    build_history(history, 24 * 6, 12, half_life);
    auto stats = stats::compute_history_stats(history.raw, history.hours, {kApi}, half_life);
    REQUIRE(stats.size() == 1);
    INFO("half-life " << half_life);
    CHECK(stats[0].samples == history.exact_cpu.size());
    CHECK(stats[0].half_life_seconds == half_life);
    check_within_sketch_bound(stats[0].cpu, history.exact_cpu);
    check_within_sketch_bound(stats[0].memory, history.exact_memory);
    // Mean and effective samples are exact for these weights.
    long double sum = 0, squares = 0, weighted = 0;
    for (const WeightedValue& entry : history.exact_cpu) {
      sum += entry.weight;
      squares += static_cast<long double>(entry.weight) * entry.weight;
      weighted += static_cast<long double>(entry.value) * entry.weight;
    }
    CHECK(stats[0].cpu.mean == Approx(static_cast<double>(weighted / sum)).epsilon(1e-12));
    CHECK(stats[0].effective_samples ==
          Approx(static_cast<double>(sum * sum / squares)).epsilon(1e-12));
  }
}

TEST_CASE("sketch path without decay is unchanged and reports every sample as effective",
          "[stats][decay]") {
  History history;
  build_history(history, 48, 6, kDay);
  auto stats = stats::compute_history_stats(history.raw, history.hours, {kApi});
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].half_life_seconds == 0);
  CHECK(stats[0].effective_samples == static_cast<double>(stats[0].samples));
  // Decay moves the percentiles toward the recent, lower hours.
  auto decayed = stats::compute_history_stats(history.raw, history.hours, {kApi}, 6 * 3600.0);
  CHECK(decayed[0].cpu.p90 < stats[0].cpu.p90);
  CHECK(decayed[0].cpu.max == stats[0].cpu.max);
}

TEST_CASE("hours merged with their decay weights: the statistics of the hours kept apart",
          "[stats][decay]") {
  // 60 s: weights span 2^-8,640 over the six days, so the reference moves many times.
  for (double half_life : {60.0, 6 * 3600.0, 7 * kDay}) {
    History history;
    build_history(history, 24 * 6, 12, half_life);
    HourSketch merged{history.hours.front().pod, "app",           kStart, kStart,
                      QuantileSketch(),          QuantileSketch()};
    merged.decay = std::make_shared<DecayWeights>(half_life);
    // Out of time order, so weights are also added below the reference.
    std::vector<std::size_t> order(history.hours.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = (i * 37) % order.size();
    for (std::size_t i : order) {
      const HourSketch& hour = history.hours[i];
      REQUIRE(merged.cpu.merge(hour.cpu));
      REQUIRE(merged.memory.merge(hour.memory));
      merged.end_ns = std::max(merged.end_ns, hour.end());
      merged.decay->add(hour.cpu, hour.memory, hour.hour_start_ns + kHour / 2);
    }
    auto apart = stats::compute_history_stats(history.raw, history.hours, {kApi}, half_life);
    auto together = stats::compute_history_stats(history.raw, {merged}, {kApi}, half_life);
    REQUIRE(apart.size() == 1);
    REQUIRE(together.size() == 1);
    INFO("half-life " << half_life);
    CHECK(together[0].samples == history.exact_cpu.size());
    check_within_sketch_bound(together[0].cpu, history.exact_cpu);
    check_within_sketch_bound(together[0].memory, history.exact_memory);
    // A bucket's value is capped at the max of all hours, not of its own: within 1 %.
    CHECK(together[0].cpu.p90 == Approx(apart[0].cpu.p90).epsilon(0.01));
    CHECK(together[0].memory.p99 == Approx(apart[0].memory.p99).epsilon(0.01));
    CHECK(together[0].cpu.mean == Approx(apart[0].cpu.mean).epsilon(1e-12));
    CHECK(together[0].effective_samples == Approx(apart[0].effective_samples).epsilon(1e-12));
  }
}

// Backtests on small traces whose counts are worked out by hand in the comments.
#include <catch2/catch.hpp>

#include "podfit/backtest/backtest.hpp"

using namespace podfit;
using namespace podfit::backtest;

namespace {

constexpr double kMi = 1024.0 * 1024.0;
constexpr std::int64_t kSecond = 1'000'000'000;

ResourceValue value(double amount) {
  return ResourceValue{amount, "x"};
}

// One Deployment pod, 120 points at 15 s: the first 60 train, the last 60 test.
// Train: CPU 0.1 cores, memory 100Mi throughout.
// Test: CPU 0.2 at 6 points, else 0.1; memory 120Mi at 3 points, else 100Mi.
SampleSet hand_trace() {
  SampleSet samples;
  Labels labels{{"app", "api"}};
  std::uint32_t pod = samples.intern_pod("shop", "api-7d4b9c8f6d-x2x4z", &labels);
  for (int i = 0; i < 120; ++i) {
    bool test = i >= 60;
    double cpu = test && i % 10 == 0 ? 0.2 : 0.1;
    double memory = test && (i == 70 || i == 80 || i == 90) ? 120 * kMi : 100 * kMi;
    samples.add(pod, "app", SamplePoint{i * 15 * kSecond, cpu, memory}, 15);
  }
  samples.finalize();
  return samples;
}

const ContainerResult& result_for(const BacktestResult& result, Preset preset) {
  for (const ContainerResult& container : result.containers) {
    if (container.preset == preset) return container;
  }
  FAIL("no result for preset " << preset_name(preset));
  throw;
}

}  // namespace

TEST_CASE("replay counts crossings and idle reserve", "[backtest]") {
  std::vector<SamplePoint> usage;
  for (int i = 1; i <= 4; ++i) usage.push_back(SamplePoint{i * kSecond, 0.1 * i, 100 * kMi * i});
  Resources resources;
  resources.cpu_request = value(0.25);
  resources.cpu_limit = value(0.35);
  resources.memory_request = value(250 * kMi);
  resources.memory_limit = value(350 * kMi);

  Exposure exposure = replay(usage, resources);
  CHECK(exposure.known);
  CHECK(exposure.samples == 4);
  CHECK(exposure.cpu_over_request == 2);     // 0.3, 0.4
  CHECK(exposure.cpu_over_limit == 1);       // 0.4
  CHECK(exposure.memory_over_request == 2);  // 300Mi, 400Mi
  CHECK(exposure.memory_over_limit == 1);    // 400Mi
  CHECK(exposure.cpu_idle_cores() == Approx((0.15 + 0.05) / 4));
  CHECK(exposure.memory_idle_bytes() == Approx((150 + 50) * kMi / 4));
  CHECK(exposure.share(exposure.cpu_over_request) == Approx(0.5));

  SECTION("without resources nothing is known") {
    CHECK_FALSE(replay(usage, {}).known);
  }
  SECTION("an absent limit is never crossed") {
    resources.cpu_limit.reset();
    CHECK(replay(usage, resources).cpu_over_limit == 0);
  }
}

TEST_CASE("splits by fraction and by durations", "[backtest]") {
  SampleSet samples = hand_trace();  // 0 .. 1785 s
  auto half = split_by_fraction(samples, 0.5);
  REQUIRE(half);
  CHECK(half->train_begin_ns == 0);
  CHECK(half->split_ns == 1785 * kSecond / 2);
  CHECK(half->test_end_ns == 1785 * kSecond);

  auto durations = split_by_durations(samples, 600, 900);
  REQUIRE(durations);
  CHECK(durations->split_ns == (1785 - 900) * kSecond);
  CHECK(durations->train_begin_ns == (1785 - 1500) * kSecond);

  CHECK_FALSE(split_by_fraction(samples, 1.0));
  CHECK_FALSE(split_by_fraction(samples, 0));
  auto too_long = split_by_durations(samples, 600, 3600);
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().message.find("less time than --test") != std::string::npos);
  CHECK_FALSE(split_by_fraction(SampleSet{}, 0.5));
}

TEST_CASE("slice keeps pod indices and only the points in range", "[backtest]") {
  SampleSet samples = hand_trace();
  SampleSet part = slice(samples, 900 * kSecond, 1200 * kSecond);
  REQUIRE(part.pods().size() == 1);
  CHECK(part.pods()[0].name == "api-7d4b9c8f6d-x2x4z");
  CHECK(part.point_count() == 20);  // 900, 915, ..., 1185
}

TEST_CASE("backtest of the three presets on a hand trace", "[backtest]") {
  SampleSet samples = hand_trace();
  std::vector<WorkloadRef> workloads{WorkloadRef{"shop", "Deployment", "api"}};
  BacktestRequest request;
  request.split = Split{0, 60 * 15 * kSecond, 119 * 15 * kSecond};  // 60 train, 60 test
  request.presets = {Preset::podfit, Preset::vpa, Preset::krr};
  BacktestResult result = run_backtest(samples, workloads, request);
  REQUIRE(result.containers.size() == 3);

  // podfit: CPU request p90 0.1 x 1.15 = 115m (15 minutes of history: the full margin),
  // (every tail level is 0.1: the exceedance cost keeps p90), limit 0.1 x 2 = 200m;
  // memory request 100Mi x 1.15 = 115Mi, limit 100Mi x 2 = 200Mi.
  const ContainerResult& podfit = result_for(result, Preset::podfit);
  CHECK(podfit.train_samples == 60);
  REQUIRE(podfit.recommendation.has_recommendation);
  CHECK(podfit.recommendation.recommended.cpu_request->text == "115m");
  CHECK(podfit.recommendation.recommended.cpu_limit->text == "200m");
  CHECK(podfit.recommendation.recommended.memory_limit->text == "200Mi");
  CHECK(podfit.with_recommended.samples == 60);
  CHECK(podfit.with_recommended.cpu_over_request == 6);
  CHECK(podfit.with_recommended.cpu_over_limit == 0);  // 0.2 is not above 200m
  CHECK(podfit.with_recommended.memory_over_request == 3);
  CHECK(podfit.with_recommended.memory_over_limit == 0);
  CHECK(podfit.with_recommended.cpu_idle_cores() == Approx(54 * 0.015 / 60));
  CHECK(podfit.with_recommended.memory_idle_bytes() == Approx(57 * 15 * kMi / 60));
  CHECK_FALSE(podfit.with_current.known);

  // krr: CPU request p95 = 100m and no limit; memory request = limit = 115Mi.
  const ContainerResult& krr = result_for(result, Preset::krr);
  CHECK(krr.recommendation.recommended.cpu_request->text == "100m");
  CHECK_FALSE(krr.recommendation.recommended.cpu_limit);
  CHECK(krr.recommendation.recommended.memory_limit->text == "115Mi");
  CHECK(krr.with_recommended.cpu_over_request == 6);
  CHECK(krr.with_recommended.cpu_over_limit == 0);
  CHECK(krr.with_recommended.memory_over_limit == 3);  // 120Mi > 115Mi, three times

  // vpa: CPU p90 x 1.15 = 115m; memory: one day's peak 100Mi x 1.15 = 115Mi, raised to the
  // 250Mi pod minimum; no current limits, so none recommended.
  const ContainerResult& vpa = result_for(result, Preset::vpa);
  CHECK(vpa.recommendation.recommended.cpu_request->text == "115m");
  CHECK(vpa.recommendation.recommended.memory_request->text == "250Mi");
  CHECK_FALSE(vpa.recommendation.recommended.memory_limit);
  CHECK(vpa.with_recommended.memory_over_request == 0);
  CHECK(vpa.with_recommended.memory_idle_bytes() == Approx((57 * 150 + 3 * 130) * kMi / 60));

  // Totals: one namespace row and one whole-run row per preset.
  REQUIRE(result.totals.size() == 6);
  const Totals& krr_all = result.totals.back();
  CHECK(krr_all.scope.empty());
  CHECK(krr_all.preset == Preset::krr);
  CHECK(krr_all.with_recommended.memory_over_limit == 3);
}

TEST_CASE("backtest replays the current resources and VPA keeps their ratio", "[backtest]") {
  SampleSet samples = hand_trace();
  std::vector<WorkloadRef> workloads{WorkloadRef{"shop", "Deployment", "api"}};
  BacktestRequest request;
  request.split = Split{0, 60 * 15 * kSecond, 119 * 15 * kSecond};
  request.presets = {Preset::vpa};
  request.current_of = [](const WorkloadRef&, const std::string&) {
    Resources current;
    current.cpu_request = value(0.05);
    current.cpu_limit = value(0.2);  // 4x the request
    current.memory_request = value(100 * kMi);
    current.memory_limit = value(110 * kMi);
    return current;
  };
  BacktestResult result = run_backtest(samples, workloads, request);
  REQUIRE(result.containers.size() == 1);
  const ContainerResult& vpa = result.containers[0];
  CHECK(vpa.recommendation.recommended.cpu_limit->text == "460m");      // 115m x 4
  CHECK(vpa.recommendation.recommended.memory_limit->text == "275Mi");  // 250Mi x 1.1
  // The current resources: CPU 0.1 and 0.2 are over the 50m request at every test point;
  // 0.2 is not over the 0.2 limit; 120Mi crosses the 110Mi limit three times.
  CHECK(vpa.with_current.cpu_over_request == 60);
  CHECK(vpa.with_current.cpu_over_limit == 0);
  CHECK(vpa.with_current.memory_over_limit == 3);
}

#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "podfit/policy/policy.hpp"

namespace podfit::policy {
namespace {

constexpr double kMi = 1024.0 * 1024.0;

// Enough data, cpu p95 18.2m / max 50m, memory p99 44.6Mi / max 50Mi.
stats::ContainerStats typical_stats() {
  stats::ContainerStats stats;
  stats.workload = WorkloadRef{"sample", "Deployment", "web"};
  stats.container = "app";
  stats.pods = 2;
  stats.samples = 480;
  stats.window_seconds = 7200;
  stats.cpu = stats::Summary{480, 0.012, 0.010, 0.016, 0.0182, 0.030, 0.050, 5.0};
  stats.memory =
      stats::Summary{480, 40 * kMi, 40 * kMi, 43 * kMi, 44 * kMi, 44.6 * kMi, 50 * kMi, 1.25};
  return stats;
}

ResourceValue value(double amount, const char* text) {
  return ResourceValue{amount, text};
}

// The rule tests below use the first default (CPU request p95 x 1.15, no exceedance cost,
// limits max x 1.25) so their hand-worked numbers stay as written; the current defaults
// have their own tests.
PolicyOptions p95_options() {
  PolicyOptions options;
  options.cpu_request_statistic = Statistic::p95;
  options.cpu_request_margin = 1.15;
  options.cpu_margin_confidence_seconds = 0;
  options.cpu_request_exceedance_cost = 0;
  options.cpu_limit_margin = 1.25;
  options.memory_limit_margin = 1.25;
  return options;
}

TEST_CASE("the default CPU request is p90 with a margin that shrinks with history", "[policy]") {
  auto stats = typical_stats();  // 2 h of history
  Recommendation result = recommend(stats, Resources{}, PolicyOptions{});
  REQUIRE(result.has_recommendation);
  // margin 1 + 0.15 x sqrt(1h / 2h) = 1.10607; 16m x 1.10607 = 17.70m, up to 18m.
  CHECK(result.recommended.cpu_request == value(0.018, "18m"));
  CHECK_THAT(result.reason, Catch::Contains("cpu request 18m = p90 16m x 1.11"));
  CHECK(result.recommended.memory_request == value(52 * kMi, "52Mi"));  // memory keeps 1.15

  stats.window_seconds = 4 * 86400;  // 1 + 0.15 x sqrt(1/96) = 1.01531: 16.245m -> 17m
  CHECK(recommend(stats, Resources{}, PolicyOptions{}).recommended.cpu_request ==
        value(0.017, "17m"));
  stats.window_seconds = 1800;  // under an hour: the full 1.15, 18.4m -> 19m
  CHECK(recommend(stats, Resources{}, PolicyOptions{}).recommended.cpu_request ==
        value(0.019, "19m"));
  auto off = apply_settings(PolicyOptions{}, {{"cpu-margin-confidence", "0"}}, "test");
  REQUIRE(off);
  stats.window_seconds = 4 * 86400;
  CHECK(recommend(stats, Resources{}, *off).recommended.cpu_request == value(0.019, "19m"));
  CHECK_FALSE(apply_settings(PolicyOptions{}, {{"cpu-margin-confidence", "soon"}}, "test"));
}

// A CPU tail worked by hand: p90 100m (10 % of samples above it, 20m idle), p95 200m
// (5 %, 100m), p99 500m (1 %, 400m), max 1 (0 %, 900m).
stats::ContainerStats stats_with_tail() {
  auto stats = typical_stats();
  stats.cpu.p90 = 0.1;
  stats.cpu.max = 1.0;
  stats.cpu.tail = {
      {90, 0.1, 0.10, 0.02}, {95, 0.2, 0.05, 0.10}, {99, 0.5, 0.01, 0.40}, {100, 1.0, 0.0, 0.90}};
  return stats;
}

TEST_CASE("the default CPU request is the tail level of least idle + cost x share above",
          "[policy]") {
  PolicyOptions options;  // exceedance cost 2 cores
  options.cpu_request_margin = 1.0;
  // idle + 2 x share: p90 0.02 + 0.2 = 0.22; p95 0.1 + 0.1 = 0.2; p99 0.42; max 0.9.
  Recommendation result = recommend(stats_with_tail(), Resources{}, options);
  CHECK(result.recommended.cpu_request == value(0.2, "200m"));
  CHECK_THAT(result.reason,
             Catch::Contains("cpu request 200m = p95 200m x 1 (least idle + 2 cores x share "
                             "above from p90 up: 5% above, 100m idle)"));
  // A cost of 0.5: p90 0.07 beats p95 0.125. A cost of 20: p99 0.6 beats p95 1.1, max 0.9.
  options.cpu_request_exceedance_cost = 0.5;
  CHECK(recommend(stats_with_tail(), Resources{}, options).recommended.cpu_request ==
        value(0.1, "100m"));
  options.cpu_request_exceedance_cost = 20;
  CHECK(recommend(stats_with_tail(), Resources{}, options).recommended.cpu_request ==
        value(0.5, "500m"));
  // The request percentile is the floor: from p99 up, p99 (0.42) beats max (0.9) at cost 2.
  options.cpu_request_exceedance_cost = 2;
  options.cpu_request_statistic = Statistic::p99;
  CHECK(recommend(stats_with_tail(), Resources{}, options).recommended.cpu_request ==
        value(0.5, "500m"));
  // Off (0), or below p90: the plain percentile.
  auto off = apply_settings(
      PolicyOptions{}, {{"cpu-request-exceedance-cost", "0"}, {"cpu-request-margin", "1"}}, "test");
  REQUIRE(off);
  CHECK(recommend(stats_with_tail(), Resources{}, *off).recommended.cpu_request ==
        value(0.1, "100m"));
  CHECK_FALSE(apply_settings(PolicyOptions{}, {{"cpu-request-exceedance-cost", "-1"}}, "test"));
  CHECK_FALSE(apply_settings(PolicyOptions{}, {{"cpu-request-exceedance-cost", "lots"}}, "test"));
}

TEST_CASE("the default limits are max x 2", "[policy]") {
  Recommendation result = recommend(typical_stats(), Resources{}, PolicyOptions{});
  CHECK(result.recommended.cpu_limit == value(0.1, "100m"));            // 50m x 2
  CHECK(result.recommended.memory_limit == value(100 * kMi, "100Mi"));  // 50Mi x 2
}

TEST_CASE("memory that grows steadily gets a limit at the projected max", "[policy]") {
  auto stats = typical_stats();
  stats.memory_growth_per_second = 1024;  // 3.515625Mi an hour
  stats.longest_pod_seconds = 36000;      // 10 h: 50Mi + 35.15625Mi = 85.15625Mi
  Recommendation result = recommend(stats, Resources{}, PolicyOptions{});
  // 85.15625Mi x 2 = 170.3125Mi, up to 171Mi.
  CHECK(result.recommended.memory_limit == value(171 * kMi, "171Mi"));
  CHECK_THAT(result.reason, Catch::Contains("memory limit 171Mi = projected max 85.2Mi x 2"));
  CHECK_THAT(result.reason, Catch::Contains("10h of growth"));

  PolicyOptions ignore;
  ignore.project_memory_growth = false;
  CHECK(recommend(stats, Resources{}, ignore).recommended.memory_limit ==
        value(100 * kMi, "100Mi"));
  auto settings = apply_settings(PolicyOptions{}, {{"memory-growth", "ignore"}}, "test");
  REQUIRE(settings);
  CHECK_FALSE(settings->project_memory_growth);
  CHECK_FALSE(apply_settings(PolicyOptions{}, {{"memory-growth", "maybe"}}, "test"));
}

TEST_CASE("recommend applies the margins and rounding", "[policy]") {
  Recommendation result = recommend(typical_stats(), Resources{}, p95_options());
  REQUIRE(result.has_recommendation);
  CHECK(result.recommended.cpu_request == value(0.021, "21m"));         // 18.2m × 1.15 = 20.93m
  CHECK(result.recommended.cpu_limit == value(0.063, "63m"));           // 50m × 1.25 = 62.5m
  CHECK(result.recommended.memory_request == value(52 * kMi, "52Mi"));  // 44.6 × 1.15 = 51.29
  CHECK(result.recommended.memory_limit == value(63 * kMi, "63Mi"));    // 50 × 1.25 = 62.5
  CHECK(result.reason ==
        "cpu request 21m = p95 18.2m x 1.15; cpu limit 63m = max 50m x 1.25; "
        "memory request 52Mi = p99 44.6Mi x 1.15; memory limit 63Mi = max 50Mi x 1.25");
  CHECK(result.changes());
  CHECK(result.current.empty());
}

TEST_CASE("recommend rounds CPU to millicores and memory to Mi, upwards", "[policy]") {
  auto stats = typical_stats();
  stats.cpu.p95 = 1.0;                // × 1.15 = 1150m
  stats.cpu.max = 1.6;                // × 1.25 = 2 cores (2.0000000000000004 in doubles)
  stats.memory.p99 = 1e8;             // × 1.15 = 115000000 bytes = 109.67Mi
  stats.memory.max = 3 * 1024 * kMi;  // × 1.25 = 3.75Gi = 3840Mi
  Recommendation result = recommend(stats, Resources{}, p95_options());
  CHECK(result.recommended.cpu_request == value(1.15, "1150m"));
  CHECK(result.recommended.cpu_limit == value(2.0, "2"));
  CHECK(result.recommended.memory_request == value(110 * kMi, "110Mi"));
  CHECK(result.recommended.memory_limit == value(3840 * kMi, "3840Mi"));
  CHECK_THAT(result.reason, Catch::Contains("memory request 110Mi = p99 95.4Mi x 1.15"));
  CHECK_THAT(result.reason, Catch::Contains("memory limit 3840Mi = max 3Gi x 1.25"));
  CHECK_THAT(result.reason, Catch::Contains("cpu limit 2 = max 1.6 x 1.25"));
}

TEST_CASE("recommend applies the floors to requests and limits", "[policy]") {
  auto stats = typical_stats();
  stats.cpu.p95 = 0.0002;
  stats.cpu.max = 0.0004;
  stats.memory.p99 = 1 * kMi;
  stats.memory.max = 2 * kMi;
  Recommendation result = recommend(stats, Resources{}, p95_options());
  CHECK(result.recommended.cpu_request == value(0.001, "1m"));
  CHECK(result.recommended.cpu_limit == value(0.001, "1m"));
  CHECK(result.recommended.memory_request == value(8 * kMi, "8Mi"));
  CHECK(result.recommended.memory_limit == value(8 * kMi, "8Mi"));
  CHECK_THAT(result.reason,
             Catch::Contains("cpu request 1m = minimum 1m (p95 0.2m x 1.15 is below it)"));
  CHECK_THAT(result.reason,
             Catch::Contains("memory limit 8Mi = minimum 8Mi (max 2Mi x 1.25 is below it)"));

  auto raised =
      apply_settings(PolicyOptions{}, {{"min-cpu", "0.1"}, {"min-memory", "100M"}}, "test");
  REQUIRE(raised);
  result = recommend(stats, Resources{}, *raised);
  CHECK(result.recommended.cpu_request == value(0.1, "100m"));
  CHECK(result.recommended.cpu_limit == value(0.1, "100m"));
  // 100M = 95.37Mi, rounded up to 96Mi.
  CHECK(result.recommended.memory_request == value(96 * kMi, "96Mi"));
  CHECK(result.recommended.memory_limit == value(96 * kMi, "96Mi"));
}

TEST_CASE("recommend keeps values that change less than min-change", "[policy]") {
  Resources current;
  current.cpu_request = value(0.020, "20m");             // 21m is +5%: kept
  current.cpu_limit = value(0.1, "100m");                // 63m is -37%: changed
  current.memory_request = value(52 * kMi, "54525952");  // same amount, other text: kept as written
  current.memory_limit = value(64 * kMi, "64Mi");        // 63Mi is -1.6%: kept
  Recommendation result = recommend(typical_stats(), current, p95_options());
  CHECK(result.recommended.cpu_request == current.cpu_request);
  CHECK(result.recommended.cpu_limit == value(0.063, "63m"));
  CHECK(result.recommended.memory_request == current.memory_request);
  CHECK(result.recommended.memory_limit == current.memory_limit);
  CHECK(result.reason ==
        "kept cpu request 20m (change < 10%); cpu limit 63m = max 50m x 1.25; "
        "kept memory request 54525952 (change < 10%); kept memory limit 64Mi (change < 10%)");
  CHECK(result.changes());

  current.cpu_limit = value(0.064, "64m");
  CHECK_FALSE(recommend(typical_stats(), current, p95_options()).changes());
}

TEST_CASE("min-change boundary: exactly min-change is a change", "[policy]") {
  PolicyOptions options = p95_options();
  options.memory_request_margin = 1;
  auto stats = typical_stats();
  Resources current;
  current.memory_request = value(80 * kMi, "80Mi");

  stats.memory.p99 = 88 * kMi;  // +10% exactly
  CHECK(recommend(stats, current, options).recommended.memory_request == value(88 * kMi, "88Mi"));
  stats.memory.p99 = 87 * kMi;  // +8.75%
  CHECK(recommend(stats, current, options).recommended.memory_request == current.memory_request);
  stats.memory.p99 = 72 * kMi;  // -10% exactly
  CHECK(recommend(stats, current, options).recommended.memory_request == value(72 * kMi, "72Mi"));

  options.min_change = 0;  // every change counts, but equal amounts keep their text
  stats.memory.p99 = 80 * kMi;
  current.memory_request = value(80 * kMi, "83886080");
  CHECK(recommend(stats, current, options).recommended.memory_request == current.memory_request);
  stats.memory.p99 = 81 * kMi;
  CHECK(recommend(stats, current, options).recommended.memory_request == value(81 * kMi, "81Mi"));
}

TEST_CASE("a limit kept by min-change never ends up below a new request", "[policy]") {
  PolicyOptions options = p95_options();
  options.memory_limit_statistic = Statistic::p99;
  options.memory_limit_margin = 1.2;  // 44.6Mi × 1.2 = 53.52 -> 54Mi, within 10% of 51Mi
  Resources current;
  current.memory_limit = value(51 * kMi, "51Mi");
  Recommendation result = recommend(typical_stats(), current, options);
  CHECK(result.recommended.memory_request == value(52 * kMi, "52Mi"));
  CHECK(result.recommended.memory_limit == value(52 * kMi, "52Mi"));
  CHECK_THAT(result.reason,
             Catch::Contains("memory limit 52Mi = the request (current 51Mi is below it)"));

  options.cpu_limit_statistic = Statistic::p50;  // 10m × 1 < request 21m
  options.cpu_limit_margin = 1;
  result = recommend(typical_stats(), Resources{}, options);
  CHECK(result.recommended.cpu_limit == value(0.021, "21m"));
  CHECK_THAT(result.reason,
             Catch::Contains("cpu limit 21m = the request (p50 10m x 1 is below it)"));
}

TEST_CASE("cpu-limit modes: keep and none", "[policy]") {
  PolicyOptions options = p95_options();
  Resources current;
  current.cpu_limit = value(0.5, "500m");
  current.memory_limit = value(128 * kMi, "128Mi");

  options.cpu_limit = CpuLimitMode::keep;
  Recommendation kept = recommend(typical_stats(), current, options);
  CHECK(kept.recommended.cpu_limit == current.cpu_limit);
  CHECK(kept.recommended.cpu_request == value(0.021, "21m"));
  CHECK_THAT(kept.reason, Catch::Contains("cpu limit 500m = current (cpu-limit=keep)"));

  Recommendation kept_absent = recommend(typical_stats(), Resources{}, options);
  CHECK_FALSE(kept_absent.recommended.cpu_limit);
  CHECK_THAT(kept_absent.reason, Catch::Contains("no cpu limit (cpu-limit=keep and none is set)"));

  current.cpu_limit = value(0.01, "10m");  // below the new request: the request is capped
  Recommendation capped = recommend(typical_stats(), current, options);
  CHECK(capped.recommended.cpu_request == value(0.01, "10m"));
  CHECK(capped.recommended.cpu_limit == value(0.01, "10m"));
  CHECK_THAT(capped.reason,
             Catch::Contains("cpu request 10m = the kept limit (p95 18.2m x 1.15 is above it)"));

  options.cpu_limit = CpuLimitMode::none;
  Recommendation none = recommend(typical_stats(), current, options);
  CHECK_FALSE(none.recommended.cpu_limit);
  CHECK(none.recommended.cpu_request == value(0.021, "21m"));
  CHECK(none.recommended.memory_limit == value(63 * kMi, "63Mi"));
  CHECK_THAT(none.reason, Catch::Contains("no cpu limit (cpu-limit=none)"));
}

TEST_CASE("qos=guaranteed sets every limit equal to its request", "[policy]") {
  PolicyOptions options = p95_options();
  options.guaranteed = true;
  Recommendation result = recommend(typical_stats(), Resources{}, options);
  CHECK(result.recommended.cpu_request == value(0.021, "21m"));
  CHECK(result.recommended.cpu_limit == value(0.021, "21m"));
  CHECK(result.recommended.memory_request == value(52 * kMi, "52Mi"));
  CHECK(result.recommended.memory_limit == value(52 * kMi, "52Mi"));
  CHECK_THAT(result.reason, Catch::Contains("cpu limit 21m = request (qos=guaranteed)"));

  Resources current;  // a kept request is mirrored into the limit
  current.memory_request = value(50 * kMi, "50Mi");
  current.memory_limit = value(256 * kMi, "256Mi");
  result = recommend(typical_stats(), current, options);
  CHECK(result.recommended.memory_request == value(50 * kMi, "50Mi"));
  CHECK(result.recommended.memory_limit == value(50 * kMi, "50Mi"));
}

TEST_CASE("too little data gives no recommendation and says why", "[policy]") {
  Resources current;
  current.cpu_request = value(0.002, "2m");
  auto stats = typical_stats();
  stats.samples = 12;
  Recommendation result = recommend(stats, current, p95_options());
  CHECK_FALSE(result.has_recommendation);
  CHECK_FALSE(result.changes());
  CHECK(result.recommended == current);
  CHECK(result.reason == "only 12 samples (need 20)");

  stats.samples = 20;
  stats.window_seconds = 360;
  result = recommend(stats, current, p95_options());
  CHECK_FALSE(result.has_recommendation);
  CHECK(result.reason == "only 6m0s of data (need 10m0s)");

  stats.samples = 3;
  stats.window_seconds = 45;
  CHECK(recommend(stats, current, p95_options()).reason ==
        "only 3 samples (need 20) and only 45s of data (need 10m0s)");

  stats.samples = 20;  // exactly the minimums are enough
  stats.window_seconds = 600;
  CHECK(recommend(stats, current, p95_options()).has_recommendation);
}

}  // namespace
}  // namespace podfit::policy

namespace podfit::policy {
namespace {

TEST_CASE("an OOM-killed container gets memory 20% above the limit it was killed at", "[policy]") {
  auto stats = typical_stats();  // memory p99 44.6Mi, max 50Mi: request 52Mi, limit 63Mi
  EventCounts events;
  events.oom_kills = 2;
  events.restarts = 3;
  events.oom_memory_limit_bytes = 64 * kMi;  // 64Mi x 1.2 = 76.8Mi, up to 77Mi
  Recommendation result = recommend(stats, Resources{}, p95_options(), events);
  CHECK(result.recommended.memory_request == value(77 * kMi, "77Mi"));
  CHECK(result.recommended.memory_limit == value(77 * kMi, "77Mi"));
  CHECK_THAT(result.reason,
             Catch::Contains("memory limit 77Mi = OOM-killed at limit 64Mi x 1.2 (2 OOM kills)"));
  CHECK(result.events.restarts == 3);

  // A kill at a small limit changes nothing the samples already put above it.
  events.oom_memory_limit_bytes = 30 * kMi;  // 36Mi: below 52Mi and 63Mi
  result = recommend(stats, Resources{}, p95_options(), events);
  CHECK(result.recommended.memory_request == value(52 * kMi, "52Mi"));
  CHECK(result.recommended.memory_limit == value(63 * kMi, "63Mi"));

  // Restarts without an OOM kill do not raise memory.
  events.oom_kills = 0;
  events.oom_memory_limit_bytes = 64 * kMi;
  CHECK(recommend(stats, Resources{}, p95_options(), events).recommended.memory_limit ==
        value(63 * kMi, "63Mi"));
}

}  // namespace
TEST_CASE("absurd or non-finite usage never becomes a request", "[policy]") {
  for (double bad : {1e308, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN(), -1.0}) {
    INFO(bad);
    stats::ContainerStats stats;
    stats.workload = WorkloadRef{"ns", "Deployment", "web"};
    stats.container = "web";
    stats.samples = 100;
    stats.window_seconds = 3600;
    stats.effective_samples = 100;
    stats.cpu = stats::Summary{100, 0.1, 0.1, 0.1, 0.1, 0.1, bad, 1};
    stats.memory = stats::Summary{100, 1e8, 1e8, 1e8, 1e8, 1e8, 1e8, 1};
    Recommendation result = recommend(stats, {}, PolicyOptions{});
    CHECK_FALSE(result.has_recommendation);
    CHECK_THAT(result.reason, Catch::Contains("out of range"));
    CHECK(result.recommended.empty());
  }
}

}  // namespace podfit::policy

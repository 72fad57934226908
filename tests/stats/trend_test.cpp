// Memory trends against numpy's least-squares fit, and when a pool counts as growing.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "podfit/stats/summary.hpp"
#include "support/support.hpp"

using namespace podfit;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr double kMi = 1024.0 * 1024.0;

std::vector<SamplePoint> series(double slope, double noise, std::size_t n, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> jitter(0, noise);
  std::vector<SamplePoint> points;
  for (std::size_t i = 0; i < n; ++i) {
    double t = static_cast<double>(i) * 60;
    // Real epochs (2024) so the fit has to cope with large timestamps.
    points.push_back(SamplePoint{1'724'400'000 * kSecond + static_cast<std::int64_t>(t) * kSecond,
                                 0.1, 300 * kMi + slope * t + jitter(random)});
  }
  return points;
}

}  // namespace

TEST_CASE("memory_trend matches numpy polyfit and corrcoef", "[stats]") {
  for (auto [slope, noise, seed] : {std::tuple{2048.0, 2e6, 1u}, std::tuple{0.0, 5e6, 2u},
                                    std::tuple{-500.0, 1e6, 3u}, std::tuple{80.0, 8e6, 4u}}) {
    auto points = series(slope, noise, 500, seed);
    std::ostringstream text;
    text.precision(17);
    for (const auto& p : points) text << p.time_ns / kSecond << ' ' << p.memory_bytes << '\n';
    podfit::test::TempDir dir;
    podfit::test::write_file(dir / "points.txt", text.str());
    auto numpy =
        podfit::test::run_command(podfit::test::python() +
                                  " -c 'import numpy as np, sys; d = np.loadtxt(sys.argv[1]); "
                                  "print(repr(np.polyfit(d[:,0], d[:,1], 1)[0]), "
                                  "repr(np.corrcoef(d[:,0], d[:,1])[0,1]**2))' " +
                                  (dir / "points.txt").string());
    REQUIRE(numpy.exit_code == 0);
    std::istringstream values(numpy.out);
    double expected_slope = 0, expected_r2 = 0;
    values >> expected_slope >> expected_r2;
    stats::Trend trend = stats::memory_trend(points);
    INFO("slope " << slope);
    CHECK(trend.slope == Approx(expected_slope).epsilon(1e-6).margin(1e-6));
    CHECK(trend.r_squared == Approx(expected_r2).epsilon(1e-6).margin(1e-9));
  }
  CHECK(stats::memory_trend({}).slope == 0);
}

TEST_CASE("only a steady, material rise counts as memory growth", "[stats]") {
  SampleSet samples;
  std::uint32_t leaking = samples.intern_pod("ns", "leaky-7d4b9c8f6d-x2x4z");
  std::uint32_t flat = samples.intern_pod("ns", "flat-7d4b9c8f6d-x2x4z");
  // 500 minutes: the leak adds 2048 B/s x 29940 s = 58.5Mi to 300Mi (well over 5 %).
  for (const auto& p : series(2048, 2e6, 500, 1)) samples.add(leaking, "app", p, 15);
  for (const auto& p : series(0, 5e6, 500, 2)) samples.add(flat, "app", p, 15);
  samples.finalize();
  std::vector<WorkloadRef> workloads{{"ns", "Deployment", "leaky"}, {"ns", "Deployment", "flat"}};
  auto stats = stats::compute_container_stats(samples, workloads);
  REQUIRE(stats.size() == 2);
  const auto& flat_stats = stats[0].workload.name == "flat" ? stats[0] : stats[1];
  const auto& leak_stats = stats[0].workload.name == "leaky" ? stats[0] : stats[1];
  CHECK(leak_stats.memory_growth_per_second == Approx(2048).epsilon(0.02));
  CHECK(leak_stats.longest_pod_seconds == 499 * 60);
  CHECK(flat_stats.memory_growth_per_second == 0);
}

TEST_CASE("memory growth survives compaction: sketched hours keep the raw part's trend",
          "[stats]") {
  SampleSet samples;
  std::uint32_t leaking = samples.intern_pod("ns", "leaky-7d4b9c8f6d-x2x4z");
  for (const auto& p : series(2048, 2e6, 500, 1)) samples.add(leaking, "app", p, 15);
  samples.finalize();
  std::vector<WorkloadRef> workloads{{"ns", "Deployment", "leaky"}};
  double exact_growth =
      stats::compute_container_stats(samples, workloads)[0].memory_growth_per_second;
  REQUIRE(exact_growth > 0);

  // An older, compacted hour of the same container at a lower level.
  QuantileSketch cpu;
  QuantileSketch memory;
  for (int i = 0; i < 240; ++i) {
    cpu.add(0.1);
    memory.add(250 * kMi);
  }
  std::vector<HourSketch> hours{{leaking, "app", 1'724'396'400 * kSecond, 0, cpu, memory}};
  auto with_sketch = stats::compute_history_stats(samples, hours, workloads);
  REQUIRE(with_sketch.size() == 1);
  CHECK(with_sketch[0].samples == 740);
  CHECK(with_sketch[0].memory_growth_per_second == exact_growth);
  CHECK(with_sketch[0].longest_pod_seconds == 499 * 60);
}

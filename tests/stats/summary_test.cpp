#include "podfit/stats/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/support.hpp"

namespace podfit::stats {
namespace {

bool close(double actual, double expected) {
  return std::fabs(actual - expected) <= 1e-12 * std::fmax(std::fabs(expected), 1e-300);
}

std::string exact_text(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::vector<std::vector<double>> random_datasets() {
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> uniform(0, 4);
  std::lognormal_distribution<double> lognormal(-3, 1.5);
  std::uniform_int_distribution<int> small_integer(0, 3);
  std::vector<std::vector<double>> datasets;
  for (std::size_t size : {1, 2, 3, 4, 5, 10, 11, 20, 99, 100, 101, 1000, 1001, 4096}) {
    for (int kind = 0; kind < 4; ++kind) {
      std::vector<double> values(size);
      for (double& value : values) {
        if (kind == 0) value = uniform(random);
        if (kind == 1) value = lognormal(random) * 1e9;  // byte-like magnitudes
        if (kind == 2) value = small_integer(random);    // many ties and zeros
        if (kind == 3) value = small_integer(random) == 0 ? 0 : lognormal(random);
      }
      datasets.push_back(std::move(values));
    }
  }
  datasets.push_back(std::vector<double>(7, 0.0));
  return datasets;
}

TEST_CASE("percentile interpolates linearly like numpy (hand-computed)", "[stats]") {
  const std::vector<double> four = {1, 2, 3, 4};
  CHECK(percentile(four, 0) == 1);
  CHECK(percentile(four, 50) == 2.5);
  CHECK(percentile(four, 90) == Approx(3.7).epsilon(1e-15));
  CHECK(percentile(four, 100) == 4);
  const std::vector<double> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(percentile(ten, 95) == Approx(9.55).epsilon(1e-15));
  CHECK(percentile(ten, 50) == 5.5);
  CHECK(percentile({5}, 99) == 5);
  CHECK(percentile({2, 2, 2}, 37) == 2);
}

TEST_CASE("summarize handles p50 of zero and empty input", "[stats]") {
  Summary zeros = summarize({0, 0, 0});
  CHECK(zeros.count == 3);
  CHECK(zeros.max == 0);
  CHECK(zeros.burst_ratio == 0);
  Summary spike = summarize({0, 0, 5});
  CHECK(spike.p50 == 0);
  CHECK(spike.max == 5);
  CHECK(std::isinf(spike.burst_ratio));
  CHECK(spike.mean == Approx(5.0 / 3).epsilon(1e-15));
  Summary empty = summarize({});
  CHECK(empty.count == 0);
  CHECK(empty.max == 0);
  Summary unsorted = summarize({4, 1, 3, 2});
  CHECK(unsorted.p50 == 2.5);
  CHECK(unsorted.max == 4);
  CHECK(unsorted.burst_ratio == 4 / 2.5);
}

TEST_CASE("summarize and percentile agree with numpy", "[stats]") {
  const auto datasets = random_datasets();
  const std::vector<double> extra_q = {0, 12.5, 33.3, 66.7, 100};
  std::ostringstream text;
  for (const auto& values : datasets) {
    for (std::size_t i = 0; i < values.size(); ++i) text << (i ? " " : "") << exact_text(values[i]);
    text << '\n';
  }
  test::TempDir dir;
  test::write_file(dir / "data.txt", text.str());
  const std::string script =
      "import sys, numpy as np\n"
      "for line in open(sys.argv[1]):\n"
      "    a = np.array([float(x) for x in line.split()])\n"
      "    out = list(np.percentile(a, [50, 90, 95, 99, 0, 12.5, 33.3, 66.7, 100]))\n"
      "    out += [a.mean(), a.max()]\n"
      "    print(' '.join(repr(float(x)) for x in out))\n";
  test::write_file(dir / "numpy_stats.py", script);
  auto result = test::run_command(test::python() + " " +
                                  test::shell_quote((dir / "numpy_stats.py").string()) + " " +
                                  test::shell_quote((dir / "data.txt").string()));
  REQUIRE(result.exit_code == 0);
  std::istringstream lines(result.out);
  for (const auto& values : datasets) {
    std::string line;
    REQUIRE(std::getline(lines, line));
    std::istringstream fields(line);
    std::vector<double> expected;
    for (double value; fields >> value;) expected.push_back(value);
    REQUIRE(expected.size() == 11);
    INFO("size " << values.size() << ", numpy: " << line);
    Summary summary = summarize(values);
    CHECK(summary.count == values.size());
    CHECK(close(summary.p50, expected[0]));
    CHECK(close(summary.p90, expected[1]));
    CHECK(close(summary.p95, expected[2]));
    CHECK(close(summary.p99, expected[3]));
    CHECK(close(summary.mean, expected[9]));
    CHECK(summary.max == expected[10]);
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < extra_q.size(); ++i) {
      INFO("q " << extra_q[i]);
      CHECK(close(percentile(sorted, extra_q[i]), expected[4 + i]));
    }
  }
}

// Three pods of two workloads; pod 3 has no workload entry.
struct PoolingFixture {
  SampleSet samples;
  std::vector<WorkloadRef> workloads;

  PoolingFixture() {
    const auto s = [](double seconds) { return static_cast<std::int64_t>(seconds * 1e9); };
    auto web1 = samples.intern_pod("sample", "web-7d9f-aaaaa");
    auto web2 = samples.intern_pod("sample", "web-7d9f-bbbbb");
    auto db = samples.intern_pod("sample", "db-0");
    auto stray = samples.intern_pod("sample", "stray");
    samples.add(web1, "app", {s(100), 0.1, 100}, 30);
    samples.add(web1, "app", {s(130), 0.2, 200}, 30);
    samples.add(web2, "app", {s(160), 0.4, 400}, 15);
    samples.add(web2, "app", {s(90), 0.3, 300}, 15);  // earliest point overall, window 15
    samples.add(web1, "sidecar", {s(100), 0.01, 10}, 30);
    samples.add(db, "app", {s(50), 1.0, 1000}, 60);
    samples.add(stray, "main", {s(10), 0.5, 5}, 20);
    samples.finalize();
    WorkloadRef web{"sample", "Deployment", "web"};
    workloads = {web, web, WorkloadRef{"sample", "StatefulSet", "db"}};
  }
};

TEST_CASE("compute_container_stats pools series by workload and container", "[stats]") {
  PoolingFixture fixture;
  auto stats = compute_container_stats(fixture.samples, fixture.workloads);
  REQUIRE(stats.size() == 4);
  // Sorted by workload (namespace, kind, name), then container.
  CHECK(stats[0].workload.display() == "sample/Deployment/web");
  CHECK(stats[0].container == "app");
  CHECK(stats[1].workload.display() == "sample/Deployment/web");
  CHECK(stats[1].container == "sidecar");
  CHECK(stats[2].workload.display() == "sample/Pod/stray");
  CHECK(stats[3].workload.display() == "sample/StatefulSet/db");

  const ContainerStats& web = stats[0];
  CHECK(web.pods == 2);
  CHECK(web.samples == 4);
  CHECK(web.window_seconds == Approx(160 - 90 + 15).epsilon(1e-12));
  CHECK(web.cpu.p50 == Approx(0.25).epsilon(1e-12));
  CHECK(web.cpu.p90 == Approx(0.37).epsilon(1e-12));  // 0.3 + 0.7 × (0.4 - 0.3)
  CHECK(web.cpu.max == 0.4);
  CHECK(web.cpu.mean == Approx(0.25).epsilon(1e-12));
  CHECK(web.memory.p50 == 250);
  CHECK(web.memory.p99 == Approx(397).epsilon(1e-12));  // 300 + 0.97 × 100
  CHECK(web.memory.burst_ratio == Approx(1.6).epsilon(1e-12));

  CHECK(stats[1].pods == 1);
  CHECK(stats[1].samples == 1);
  CHECK(stats[1].window_seconds == 30);
  CHECK(stats[1].cpu.burst_ratio == 1);
  CHECK(stats[2].window_seconds == 20);
  CHECK(stats[3].window_seconds == 60);
  CHECK(stats[3].memory.max == 1000);
}

TEST_CASE("compute_container_stats counts a repeated point once", "[stats]") {
  SampleSet samples;
  auto pod = samples.intern_pod("ns", "api-1-abcde");
  samples.add(pod, "c", {1'000'000'000, 0.5, 10}, 30);
  samples.add(pod, "c", {1'000'000'000, 0.5, 10}, 30);
  samples.add(pod, "c", {61'000'000'000, 1.5, 30}, 30);
  samples.finalize();
  auto stats = compute_container_stats(samples, {WorkloadRef{"ns", "Deployment", "api"}});
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].samples == 2);
  CHECK(stats[0].window_seconds == 90);
  CHECK(stats[0].cpu.mean == 1.0);
  CHECK(compute_container_stats(SampleSet{}, {}).empty());
}

}  // namespace
}  // namespace podfit::stats

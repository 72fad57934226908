// load_recorded folds long series into sketches while it reads (docs/scale.md): the
// percentiles against numpy within the sketch's 1 %, count, max, peaks, window and
// memory trend against the unfolded read, and small inputs exactly as before.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "podfit/history/history.hpp"
#include "podfit/history/load.hpp"
#include "podfit/stats/summary.hpp"
#include "support/support.hpp"

using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;
namespace history = podfit::history;
namespace stats = podfit::stats;

namespace {

// Three days at one minute, two pods per workload, a restart each: 4,320 polls.
std::string long_trace(const TempDir& dir) {
  std::string path = (dir / "long.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families leak,diurnal,bursty --workloads 3 "
                      "--pods-per-workload 2 --restarts 1 --duration 3d --interval 60 "
                      "--seed 7 -o " +
                      shell_quote(path))
              .exit_code == 0);
  return path;
}

struct Loaded {
  history::History history;
  std::vector<stats::ContainerStats> stats;
  std::string diagnostics;
};

Loaded load(const std::vector<std::string>& paths, std::size_t exact_points,
            double half_life_seconds = 0) {
  std::ostringstream diagnostics;
  history::RecordedOptions options;
  options.exact_points = exact_points;
  options.half_life_seconds = half_life_seconds;
  auto loaded = history::load_recorded(paths, diagnostics, options);
  REQUIRE(loaded);
  Loaded result{std::move(*loaded), {}, diagnostics.str()};
  history::attribute(result.history, {});
  const history::History& h = result.history;
  result.stats = stats::compute_history_stats(h.samples, h.sketches, h.workload_of_pod,
                                              half_life_seconds, h.compacted);
  return result;
}

std::string key_of(const stats::ContainerStats& stats) {
  return stats.workload.namespace_name + "/" + stats.workload.name + "/" + stats.container;
}

// Everything but the percentiles is exact: equal to the unfolded statistics (the
// trend and mean up to float rounding).
void check_exact_parts(const stats::ContainerStats& folded, const stats::ContainerStats& raw,
                       bool decayed = false) {
  INFO(key_of(raw));
  CHECK(folded.samples == raw.samples);
  CHECK(folded.cpu.count == raw.cpu.count);
  CHECK(folded.pods == raw.pods);
  CHECK(folded.cpu.max == raw.cpu.max);
  CHECK(folded.memory.max == raw.memory.max);
  // With decay the mean is weighted, and a folded hour weighs what its midpoint would.
  double mean_error = decayed ? 1e-3 : 1e-10;
  CHECK(folded.cpu.mean == Approx(raw.cpu.mean).epsilon(mean_error));
  CHECK(folded.memory.mean == Approx(raw.memory.mean).epsilon(mean_error));
  CHECK(folded.window_seconds == raw.window_seconds);
  CHECK(folded.pod_cpu_peaks == raw.pod_cpu_peaks);
  CHECK(folded.pod_memory_peaks == raw.pod_memory_peaks);
  CHECK(folded.max_concurrent_pods == raw.max_concurrent_pods);
  CHECK(folded.longest_pod_seconds == raw.longest_pod_seconds);
  CHECK(folded.memory_growth_per_second == Approx(raw.memory_growth_per_second).epsilon(1e-9));
}

}  // namespace

TEST_CASE("load_recorded folds long series: percentiles within 1 percent of numpy",
          "[history][stats]") {
  TempDir dir;
  std::string trace = long_trace(dir);
  Loaded folded = load({trace}, 300);
  Loaded raw = load({trace}, 0);
  REQUIRE(folded.stats.size() == 3);
  REQUIRE(raw.stats.size() == 3);
  CHECK(folded.history.samples.point_count() == 0);  // every series was folded
  CHECK(folded.history.compacted.size() == raw.history.samples.series().size());
  CHECK(folded.history.sketches.size() == folded.history.compacted.size());  // one per series

  auto reference_run = run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                                   "/tests/store/reference_percentiles.py " + shell_quote(trace));
  REQUIRE(reference_run.exit_code == 0);
  const nlohmann::json reference = nlohmann::json::parse(reference_run.out);
  const double quantiles[] = {50, 90, 95, 99};
  bool some_growth = false;
  for (std::size_t i = 0; i < raw.stats.size(); ++i) {
    const stats::ContainerStats& got = folded.stats[i];
    REQUIRE(key_of(got) == key_of(raw.stats[i]));
    CHECK(got.sketched);
    CHECK_FALSE(raw.stats[i].sketched);
    check_exact_parts(got, raw.stats[i]);
    some_growth = some_growth || got.memory_growth_per_second > 0;
    const nlohmann::json& want = reference.at(key_of(got));
    for (const auto& [name, summary] : {std::pair{"cpu", &got.cpu}, {"memory", &got.memory}}) {
      INFO(key_of(got) << " " << name);
      CHECK(summary->count == want[name]["count"].get<std::size_t>());
      CHECK(summary->max == Approx(want[name]["max"].get<double>()).epsilon(1e-12));
      double p[] = {summary->p50, summary->p90, summary->p95, summary->p99};
      for (int q = 0; q < 4; ++q) {
        INFO("p" << quantiles[q]);
        double lower = want[name]["lower"][q].get<double>();
        CHECK(std::abs(p[q] - lower) <= 0.01 * lower + 1e-12);
      }
    }
  }
  CHECK(some_growth);  // the leak family's trend survives the folding
}

TEST_CASE("load_recorded with decay folds one sketch per series, weighed hour by hour",
          "[history][stats]") {
  TempDir dir;
  std::string trace = long_trace(dir);
  const double half_life = 86400;
  Loaded folded = load({trace}, 300, half_life);
  Loaded raw = load({trace}, 0, half_life);
  REQUIRE(folded.stats.size() == raw.stats.size());
  CHECK(folded.history.samples.point_count() == 0);
  REQUIRE(folded.history.sketches.size() == folded.history.compacted.size());
  // Each sketch's weights: each point weighs 2^((its hour's midpoint - reference) / half-life).
  for (const podfit::HourSketch& sketch : folded.history.sketches) {
    REQUIRE(sketch.decay);
    const podfit::DecayWeights& decay = *sketch.decay;
    const podfit::ContainerSeries* series = nullptr;
    for (const podfit::ContainerSeries& candidate : raw.history.samples.series()) {
      if (raw.history.samples.pods()[candidate.pod].name ==
              folded.history.samples.pods()[sketch.pod].name &&
          candidate.container == sketch.container) {
        series = &candidate;
      }
    }
    REQUIRE(series != nullptr);
    double weight = 0, newest_midpoint = 0;
    for (const podfit::SamplePoint& point : series->points) {
      std::int64_t midpoint =
          point.time_ns / podfit::kNanosPerHour * podfit::kNanosPerHour + podfit::kNanosPerHour / 2;
      newest_midpoint = std::max(newest_midpoint, static_cast<double>(midpoint));
      weight += std::exp2(static_cast<double>(midpoint - decay.reference_ns) / 1e9 / half_life);
    }
    CHECK(static_cast<double>(decay.weight) == Approx(weight).epsilon(1e-12));
    CHECK(static_cast<double>(decay.newest_midpoint_ns) == newest_midpoint);
    CHECK(sketch.cpu.count() == series->points.size());
  }
  for (std::size_t i = 0; i < raw.stats.size(); ++i) {
    const stats::ContainerStats& got = folded.stats[i];
    const stats::ContainerStats& want = raw.stats[i];
    CHECK(got.sketched);
    check_exact_parts(got, want, true);
    CHECK(got.half_life_seconds == half_life);
    // Each hour weighs what its midpoint would: within a few percent of the exact weights.
    CHECK(got.effective_samples == Approx(want.effective_samples).epsilon(0.02));
    CHECK(got.memory.p95 == Approx(want.memory.p95).epsilon(0.03));
    CHECK(got.cpu.p50 == Approx(want.cpu.p50).epsilon(0.03));
  }
}

TEST_CASE("load_recorded counts a repeat of a folded point once and keeps later points",
          "[history][stats]") {
  TempDir dir;
  std::string trace = long_trace(dir);
  // Two overlapping recordings: the first two days, and the last day and a half.
  std::vector<std::string> lines;
  {
    std::ifstream in(trace);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  REQUIRE(lines.size() == 4320);
  std::string first = (dir / "a.jsonl").string(), second = (dir / "b.jsonl").string();
  {
    std::ofstream a(first), b(second);
    for (std::size_t i = 0; i < 2880; ++i) a << lines[i] << '\n';
    for (std::size_t i = 2160; i < 4320; ++i) b << lines[i] << '\n';
  }
  Loaded whole = load({trace}, 300);
  Loaded overlapping = load({first, second}, 300);
  Loaded twice = load({trace, trace}, 300);
  Loaded raw = load({first, second}, 0);
  CHECK_THAT(overlapping.diagnostics, Catch::Contains("counted as repeats"));
  REQUIRE(overlapping.stats.size() == whole.stats.size());
  for (std::size_t i = 0; i < whole.stats.size(); ++i) {
    check_exact_parts(overlapping.stats[i], raw.stats[i]);
    check_exact_parts(overlapping.stats[i], whole.stats[i]);
    check_exact_parts(twice.stats[i], whole.stats[i]);
    CHECK(overlapping.stats[i].memory.p99 == whole.stats[i].memory.p99);
  }
}

TEST_CASE("load_recorded keeps a small input exact, as before", "[history][stats]") {
  std::string fixture = podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl";
  Loaded streamed = load({fixture}, history::kExactPointsPerSeries);
  CHECK(streamed.history.compacted.empty());
  CHECK(streamed.history.sketches.empty());
  std::vector<stats::ContainerStats> before =
      stats::compute_container_stats(streamed.history.samples, streamed.history.workload_of_pod);
  REQUIRE(streamed.stats.size() == before.size());
  REQUIRE_FALSE(before.empty());
  for (std::size_t i = 0; i < before.size(); ++i) {
    const stats::ContainerStats& got = streamed.stats[i];
    const stats::ContainerStats& want = before[i];
    CHECK_FALSE(got.sketched);
    CHECK(got.samples == want.samples);
    CHECK(got.window_seconds == want.window_seconds);
    for (const auto& [a, b] : {std::pair{&got.cpu, &want.cpu}, {&got.memory, &want.memory}}) {
      CHECK(a->mean == b->mean);
      CHECK(a->p50 == b->p50);
      CHECK(a->p90 == b->p90);
      CHECK(a->p95 == b->p95);
      CHECK(a->p99 == b->p99);
      CHECK(a->max == b->max);
    }
    CHECK(got.memory_growth_per_second == want.memory_growth_per_second);
    CHECK(got.pod_memory_peaks == want.pod_memory_peaks);
  }
  // Given twice, each series holds twice its points, over a threshold they are under
  // once: repeats do not make a series long.
  std::size_t longest = 0;
  for (const podfit::ContainerSeries& series : streamed.history.samples.series()) {
    longest = std::max(longest, series.points.size());
  }
  Loaded twice = load({fixture, fixture}, longest);
  CHECK(twice.history.compacted.empty());
  REQUIRE(twice.stats.size() == before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    CHECK_FALSE(twice.stats[i].sketched);
    CHECK(twice.stats[i].samples == before[i].samples);
    CHECK(twice.stats[i].cpu.p90 == before[i].cpu.p90);
    CHECK(twice.stats[i].memory.p99 == before[i].memory.p99);
  }
}

TEST_CASE("recommend --samples says which containers were sketched", "[history][cli]") {
  TempDir dir;
  std::string trace = long_trace(dir);  // 4,320 points a series: over the default
  auto long_run = podfit_run("recommend -o json --samples " + shell_quote(trace));
  REQUIRE(long_run.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(long_run.out);
  const nlohmann::json& entries = report.at("recommendations");
  REQUIRE(entries.size() == 3);
  for (const nlohmann::json& entry : entries) {
    CHECK(entry["sketched"] == true);
    CHECK_THAT(entry["reason"].get<std::string>(), Catch::Contains("percentiles sketched"));
  }
  std::string fixture = podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl";
  auto small_run = podfit_run("recommend -o json --samples " + shell_quote(fixture));
  REQUIRE(small_run.exit_code == 0);
  const nlohmann::json small = nlohmann::json::parse(small_run.out);
  const nlohmann::json& small_entries = small.at("recommendations");
  REQUIRE_FALSE(small_entries.empty());
  for (const nlohmann::json& entry : small_entries) CHECK(entry["sketched"] == false);
}

TEST_CASE("load_store folds long raw series as the chunks are read", "[history][stats][store]") {
  TempDir dir;
  std::string trace = long_trace(dir);
  std::string db = (dir / "s.db").string();
  REQUIRE(
      podfit_run("store --store " + shell_quote(db) + " import " + shell_quote(trace)).exit_code ==
      0);
  auto read = [&](bool fold) {
    auto loaded = history::load_store(db, false, fold);
    REQUIRE(loaded);
    history::History h = std::move(*loaded);
    history::attribute(h, {});
    return stats::compute_history_stats(h.samples, h.sketches, h.workload_of_pod, 0, h.compacted);
  };
  std::vector<stats::ContainerStats> folded = read(true), raw = read(false);
  REQUIRE(folded.size() == raw.size());
  REQUIRE(folded.size() == 3);
  auto reference_run = run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                                   "/tests/store/reference_percentiles.py " + shell_quote(trace));
  REQUIRE(reference_run.exit_code == 0);
  const nlohmann::json reference = nlohmann::json::parse(reference_run.out);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    REQUIRE(key_of(folded[i]) == key_of(raw[i]));
    CHECK(folded[i].sketched);  // 4,320 points a workload: past the 2,000 of one series
    check_exact_parts(folded[i], raw[i]);
    const nlohmann::json& want = reference.at(key_of(folded[i]));
    double p90 = want["memory"]["lower"][1].get<double>();
    CHECK(std::abs(folded[i].memory.p90 - p90) <= 0.01 * p90);
    double cpu_p90 = want["cpu"]["lower"][1].get<double>();
    CHECK(std::abs(folded[i].cpu.p90 - cpu_p90) <= 0.01 * cpu_p90 + 1e-12);
  }
}

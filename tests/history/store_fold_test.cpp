// load_store folding a store shaped as a running collector leaves it: compacted hours,
// 48 h of raw chunks, and the open hour still as rows. Every point is counted once
// (the open hour's rows used to be read first, so folding took the chunks after them
// for repeats), a series with compacted hours is folded as soon as its points come,
// and a young series stays exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "podfit/history/history.hpp"
#include "podfit/history/load.hpp"
#include "podfit/stats/summary.hpp"
#include "podfit/store/store.hpp"
#include "support/support.hpp"

using podfit::test::TempDir;
namespace history = podfit::history;
namespace stats = podfit::stats;
namespace store = podfit::store;

namespace {

constexpr std::int64_t kMinute = 60LL * 1000000000;
constexpr std::int64_t kHourNs = 60 * kMinute;
constexpr std::int64_t kEnd = 1767225600LL * 1000000000 + 30 * kMinute;  // inside an hour

struct Pod {
  std::string name, app;
  int hours;  // alive for the last `hours` before kEnd
};

// The values written, per workload (app), for an independent percentile.
using Written = std::map<std::string, std::pair<std::vector<double>, std::vector<double>>>;

// One append per clock hour (a collector appends every poll; the hours close alike),
// then compact() with the collector's 48 h raw window.
Written fill_store(const std::string& path, const std::vector<Pod>& pods) {
  auto opened = store::Store::open(path);
  REQUIRE(opened);
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> unit(0, 1);
  Written written;
  const std::int64_t start = kEnd - 60 * kHourNs;
  for (std::int64_t hour = start; hour < kEnd; hour += kHourNs) {
    podfit::SampleSet tick;
    for (const Pod& pod : pods) {
      podfit::Labels labels{{"app", pod.app}};
      std::uint32_t index = tick.intern_pod("shop", pod.name, &labels);
      for (std::int64_t t = hour; t < hour + kHourNs && t < kEnd; t += kMinute) {
        if (t < kEnd - pod.hours * kHourNs) continue;
        double cpu = 0.05 + unit(random) * unit(random);
        double memory = 2e8 + 1e8 * unit(random);
        tick.add(index, "app", {t, cpu, memory}, 30);
        written[pod.app].first.push_back(cpu);
        written[pod.app].second.push_back(memory);
      }
    }
    REQUIRE(opened->append(tick));
  }
  REQUIRE(opened->compact(kEnd, store::kDefaultRawWindowSeconds, store::kDefaultRetentionSeconds));
  return written;
}

// numpy's percentile(method="lower"): the value of rank floor(q/100 * (n - 1)).
double lower_percentile(std::vector<double> values, double q) {
  auto rank =
      static_cast<std::size_t>(std::floor(q / 100 * static_cast<double>(values.size() - 1)));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                   values.end());
  return values[rank];
}

std::vector<stats::ContainerStats> read(const std::string& path, bool fold) {
  auto loaded = history::load_store(path, false, fold);
  REQUIRE(loaded);
  history::History h = std::move(*loaded);
  history::attribute(h, {});
  return stats::compute_history_stats(h.samples, h.sketches, h.workload_of_pod, 0, h.compacted);
}

}  // namespace

TEST_CASE("load_store folds a collector's store without losing the hours before the open one",
          "[history][store]") {
  TempDir dir;
  std::string path = (dir / "collector.db").string();
  // api: 60 h, so 12 compacted hours and 48 h raw; batch: 40 h of raw only (2,400
  // points, folded past 2,000); young: 20 h (1,200 points, exact). The 100 pods of
  // filler make the chunks more than the megabyte the store hands over at a time, so
  // the hook that folds runs before the last chunks are read.
  std::vector<Pod> pods{{"api-7c9d8f6b5-x2x4z", "api", 60},
                        {"batch-6d5c4b7f2-fghjk", "batch", 40},
                        {"young-5b4c9f28d-klmnp", "young", 20}};
  const std::string letters = "bcdfghjklmnpqrstvwxz";
  for (int i = 0; i < 100; ++i) {
    pods.push_back(
        {"filler-6f7d8b9c5-zz" + std::string{letters[i / 20], letters[i % 20], 'x'}, "filler", 60});
  }
  Written written = fill_store(path, pods);
  std::vector<stats::ContainerStats> folded = read(path, true), raw = read(path, false);
  REQUIRE(folded.size() == 4);
  REQUIRE(raw.size() == 4);
  for (std::size_t i = 0; i < folded.size(); ++i) {
    // Its workload or, where the name implies none, its pod: named after the app.
    const std::string app = folded[i].workload.name.substr(0, folded[i].workload.name.find('-'));
    INFO(app);
    REQUIRE(raw[i].workload == folded[i].workload);
    const auto& [cpu, memory] = written.at(app);
    CHECK(folded[i].samples == cpu.size());  // each point once
    CHECK(raw[i].samples == cpu.size());
    CHECK(folded[i].cpu.max == *std::max_element(cpu.begin(), cpu.end()));
    CHECK(folded[i].memory.max == *std::max_element(memory.begin(), memory.end()));
    CHECK(folded[i].window_seconds == raw[i].window_seconds);
    CHECK(folded[i].cpu.mean == Approx(raw[i].cpu.mean).epsilon(1e-10));
    CHECK(folded[i].sketched == (app != "young"));
    for (double q : {50.0, 90.0, 99.0}) {
      INFO("p" << q);
      double want_cpu = lower_percentile(cpu, q), want_memory = lower_percentile(memory, q);
      double got_cpu = q == 50   ? folded[i].cpu.p50
                       : q == 90 ? folded[i].cpu.p90
                                 : folded[i].cpu.p99;
      double got_memory = q == 50   ? folded[i].memory.p50
                          : q == 90 ? folded[i].memory.p90
                                    : folded[i].memory.p99;
      if (app == "young") {  // exact: the unfolded numbers themselves
        CHECK(got_cpu == (q == 50 ? raw[i].cpu.p50 : q == 90 ? raw[i].cpu.p90 : raw[i].cpu.p99));
        CHECK(got_memory == (q == 50   ? raw[i].memory.p50
                             : q == 90 ? raw[i].memory.p90
                                       : raw[i].memory.p99));
      } else {
        CHECK(std::abs(got_cpu - want_cpu) <= 0.01 * want_cpu);
        CHECK(std::abs(got_memory - want_memory) <= 0.01 * want_memory);
      }
    }
  }
}

TEST_CASE("the store names the series with compacted hours among its newest two", "[store]") {
  TempDir dir;
  std::string path = (dir / "collector.db").string();
  fill_store(path, {{"api-7c9d8f6b5-x2x4z", "api", 60},
                    {"old-4c9d2f8b7-pqrst", "old", 60},
                    {"young-5b4c9f28d-klmnp", "young", 20}});
  auto opened = store::Store::open(path, store::OpenMode::read_only);
  REQUIRE(opened);
  std::set<std::string> named;
  store::ReadOptions options;
  options.sketched_series = [&](std::uint32_t pod, const std::string& container) {
    named.insert(std::to_string(pod) + "/" + container);
  };
  auto stored = opened->read_all(options);
  REQUIRE(stored);
  std::set<std::string> want;
  for (std::uint32_t i = 0; i < stored->samples.pods().size(); ++i) {
    if (stored->samples.pods()[i].name != "young-5b4c9f28d-klmnp") {
      want.insert(std::to_string(i) + "/app");
    }
  }
  CHECK(named == want);
}

TEST_CASE("load_store with decay merges each series' hours with their weights",
          "[history][store][decay]") {
  TempDir dir;
  std::string path = (dir / "collector.db").string();
  Written written = fill_store(
      path, {{"api-7c9d8f6b5-x2x4z", "api", 60}, {"young-5b4c9f28d-klmnp", "young", 20}});
  const double half_life = 6 * 3600.0;
  auto merged = history::load_store(path, false, true, half_life);
  auto apart = history::load_store(path, true, false, half_life);  // as backtest reads it
  REQUIRE(merged);
  REQUIRE(apart);
  // api: its store hours and its folded raw part, each one sketch; young stays raw.
  REQUIRE(merged->sketches.size() == 2);
  for (const podfit::HourSketch& sketch : merged->sketches) {
    CHECK(merged->samples.pods()[sketch.pod].name == "api-7c9d8f6b5-x2x4z");
    REQUIRE(sketch.decay);
    CHECK(sketch.decay->half_life_seconds == half_life);
  }
  CHECK(apart->sketches.size() == 12);  // the compacted hours, one each
  auto stats_of = [&](history::History& h) {
    history::attribute(h, {});
    return stats::compute_history_stats(h.samples, h.sketches, h.workload_of_pod, half_life,
                                        h.compacted);
  };
  std::vector<stats::ContainerStats> got = stats_of(*merged), want = stats_of(*apart);
  REQUIRE(got.size() == 2);
  REQUIRE(want.size() == 2);
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(got[i].workload.name);
    CHECK(got[i].samples == want[i].samples);
    CHECK(got[i].cpu.max == want[i].cpu.max);
    CHECK(got[i].half_life_seconds == half_life);
    if (!got[i].sketched) {  // young: raw, exact
      CHECK(got[i].cpu.p90 == want[i].cpu.p90);
      CHECK(got[i].effective_samples == want[i].effective_samples);
      continue;
    }
    // The raw hours weigh their midpoint's weight, not each point its own (6 h
    // half-life: within 6 % of a point's), and sketched values are within 1 %.
    CHECK(got[i].effective_samples == Approx(want[i].effective_samples).epsilon(0.02));
    CHECK(got[i].cpu.p90 == Approx(want[i].cpu.p90).epsilon(0.03));
    CHECK(got[i].memory.p99 == Approx(want[i].memory.p99).epsilon(0.03));
    CHECK(got[i].cpu.mean == Approx(want[i].cpu.mean).epsilon(0.01));
  }
}

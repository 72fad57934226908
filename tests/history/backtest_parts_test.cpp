// A backtest of a store reads it in the backtest's parts (history::load_stores_in_parts):
// one sketch per series and part, with each clock hour's peaks. The parts against the
// points they came from, and the trend moments merged from parts against a fit
// (backtest_store_test.cpp checks whole backtests against --samples).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "podfit/core/compacted_series.hpp"
#include "podfit/history/load.hpp"
#include "podfit/store/store.hpp"
#include "support/support.hpp"

using podfit::test::TempDir;

namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000LL;
constexpr std::int64_t kHourNs = 60 * kMinuteNs;

}  // namespace

TEST_CASE("a store read in parts merges each part's hours and keeps each hour's peak",
          "[history][store]") {
  TempDir dir;
  std::string path = (dir / "parts.db").string();
  // One container over 10 hours at a minute, its hour h peaking at h + 1 cores; the
  // first 6 hours compacted into sketches, the rest raw.
  const std::int64_t start = 1'700'000'000LL * 1'000'000'000 / kHourNs * kHourNs;
  {
    auto opened = podfit::store::Store::open(path);
    REQUIRE(opened);
    podfit::SampleSet samples;
    std::uint32_t pod = samples.intern_pod("default", "web-7d4b9c8f6d-abcde");
    for (int minute = 0; minute < 600; ++minute) {
      int hour = minute / 60;
      double cpu = minute % 60 == 30 ? hour + 1.0 : 0.1 * (1 + minute % 7);
      double memory = 1e8 * (1 + hour) + minute;
      samples.add(pod, "app", {start + minute * kMinuteNs, cpu, memory}, 60);
    }
    samples.finalize();
    REQUIRE(opened->append(samples));
    REQUIRE(opened->compact(start + 6 * kHourNs + 4 * kHourNs, 4 * 3600.0, 30 * 86400.0));
  }
  // Parts: [start, start + 4h), [start + 4h, start + 7h), [start + 7h, ...).
  podfit::TimeParts parts{{start, start + 4 * kHourNs, start + 7 * kHourNs}};
  auto read = podfit::history::load_stores_in_parts({path}, parts);
  REQUIRE(read);
  REQUIRE(read->samples.point_count() == 0);  // 4 raw hours = 240 points: under 2,000...
  // ...but the container has compacted hours, so its raw points fold at once.
  std::map<std::size_t, const podfit::HourSketch*> by_part;
  std::size_t hour_parts = 0;
  for (const podfit::HourSketch& sketch : read->sketches) {
    std::size_t part =
        parts.part_of(sketch.hour_start_ns + (sketch.end() - sketch.hour_start_ns) / 2);
    hour_parts += !sketch.folded;
    if (!sketch.folded) by_part[part] = &sketch;
  }
  REQUIRE(hour_parts == 2);  // the compacted hours 0-3 and 4-5, one sketch each
  const podfit::HourSketch& first = *by_part.at(1);
  CHECK(first.cpu.count() == 240);
  CHECK(first.cpu.max() == 4.0);
  REQUIRE(first.peaks.size() == 4);
  for (int hour = 0; hour < 4; ++hour) {
    CHECK(first.peaks[hour].time_ns == start + hour * kHourNs + kHourNs / 2);
    CHECK(first.peaks[hour].cpu_cores == hour + 1.0);
    CHECK(first.peaks[hour].memory_bytes == 1e8 * (1 + hour) + hour * 60 + 59);
  }
  CHECK(by_part.at(2)->cpu.count() == 120);
  CHECK(by_part.at(2)->peaks.size() == 2);
  // The raw hours 6-9 fold into parts 2 (hour 6) and 3 (hours 7-9), exact in time.
  std::map<std::size_t, const podfit::CompactedSeries*> exact;
  for (const podfit::CompactedSeries& series : read->compacted) {
    exact[parts.part_of(series.first_ns)] = &series;
  }
  REQUIRE(exact.size() == 2);
  CHECK(exact.at(2)->first_ns == start + 6 * kHourNs);
  CHECK(exact.at(2)->last_ns == start + 7 * kHourNs - kMinuteNs);
  CHECK(exact.at(3)->first_ns == start + 7 * kHourNs);
  CHECK(exact.at(3)->last_ns == start + 10 * kHourNs - kMinuteNs);
  CHECK(exact.at(3)->memory_trend.count() == 180);
  for (const podfit::HourSketch& sketch : read->sketches) {
    if (!sketch.folded) continue;
    std::size_t part = parts.part_of(sketch.hour_start_ns);
    CHECK(sketch.peaks.size() == (part == 2 ? 1u : 3u));
    for (const podfit::SamplePoint& peak : sketch.peaks) {
      int hour = static_cast<int>((peak.time_ns - start) / kHourNs);
      CHECK(peak.cpu_cores == hour + 1.0);
    }
  }
}

TEST_CASE("trend moments merged from parts equal one pass and a least-squares fit",
          "[core][history]") {
  // Memory rising 1,000 bytes a second with a wobble, over three uneven parts.
  std::vector<std::pair<std::int64_t, double>> points;
  for (int i = 0; i < 5000; ++i) {
    std::int64_t t = 1'700'000'000LL * 1'000'000'000 + i * 15'000'000'000LL;
    points.emplace_back(t, 5e8 + 1000.0 * 15 * i + 3e6 * std::sin(i * 0.37));
  }
  podfit::TrendMoments whole, a, b, c;
  for (std::size_t i = 0; i < points.size(); ++i) {
    whole.add(points[i].first, points[i].second);
    (i < 700 ? a : i < 3100 ? b : c).add(points[i].first, points[i].second);
  }
  podfit::TrendMoments merged;
  merged.merge(c);  // out of order, too
  merged.merge(a);
  merged.merge(b);
  REQUIRE(merged.count() == whole.count());
  CHECK(merged.mean_memory() == Approx(whole.mean_memory()).epsilon(1e-12));
  CHECK(merged.sum_tt() == Approx(whole.sum_tt()).epsilon(1e-9));
  CHECK(merged.sum_tm() == Approx(whole.sum_tm()).epsilon(1e-9));
  CHECK(merged.sum_mm() == Approx(whole.sum_mm()).epsilon(1e-9));
  // The slope by the normal equations, in long double, from the points themselves.
  long double n = points.size(), st = 0, sm = 0, stt = 0, stm = 0;
  for (const auto& [t_ns, m] : points) {
    long double t = (t_ns - points.front().first) / 1e9L;
    st += t;
    sm += m;
    stt += t * t;
    stm += t * m;
  }
  double slope = static_cast<double>((n * stm - st * sm) / (n * stt - st * st));
  CHECK(merged.sum_tm() / merged.sum_tt() == Approx(slope).epsilon(1e-9));
  CHECK(slope == Approx(1000.0).epsilon(0.01));
}

TEST_CASE("backtest --store of a store that is not there names it", "[history][backtest][cli]") {
  TempDir dir;
  std::string path = (dir / "missing.db").string();
  auto run = podfit::test::podfit_run("backtest --store " + podfit::test::shell_quote(path));
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.err, Catch::Contains("podfit: error: " + path));
  CHECK_FALSE(std::filesystem::exists(path));
}

// compact() in day-sized steps: every raw hour before the window becomes exactly the
// sketch of its points, hours past the retention go, and VACUUM runs when asked or
// when it is worth it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "podfit/store/store.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

using podfit::QuantileSketch;
using podfit::SamplePoint;
using podfit::SampleSet;
using podfit::store::Store;
using podfit::store::Vacuum;
using podfit::test::TempDir;

namespace {

using podfit::test::kHour;
using podfit::test::kStart;
using podfit::test::open_store;

constexpr std::int64_t kMinute = 60'000'000'000;

// Minute points for `hours` hours from kStart, two containers; values follow the
// minute so that every hour's sketch differs.
SampleSet minutes(int hours) {
  SampleSet samples;
  auto pod = samples.intern_pod("ns", "web-0");
  for (std::int64_t m = 0; m < hours * 60; ++m) {
    double cpu = 0.001 * static_cast<double>(1 + (m * 37) % 500);
    samples.add(pod, "app", SamplePoint{kStart + m * kMinute, cpu, 1048576.0 * (m % 90 + 1)}, 60);
    samples.add(pod, "sidecar", SamplePoint{kStart + m * kMinute, cpu / 10, 4096.0 * (m % 7)}, 60);
  }
  samples.finalize();
  return samples;
}

}  // namespace

TEST_CASE("compacting three days in steps gives each hour the sketch of its points", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  Store store = open_store(path);
  SampleSet samples = minutes(80);
  // A stray point a year before, far past any retention.
  SampleSet stray;
  stray.add(stray.intern_pod("ns", "web-0"), "app", SamplePoint{kStart - 365 * 24 * kHour, 1, 1},
            60);
  stray.finalize();
  REQUIRE(store.append(stray));
  REQUIRE(store.append(samples));

  // now = end of hour 79, raw window 3 h: hours 0..76 become sketches (a 24 h step
  // boundary at hours 24, 48 and 72), 77..79 stay raw.
  std::int64_t now = kStart + 80 * kHour;
  auto compacted = store.compact(now, 3 * 3600, 28 * 86400);
  REQUIRE(compacted);
  CHECK(compacted->hours_compacted == 2 * 77);
  CHECK(compacted->points_compacted == 2 * 77 * 60 + 1);  // and the stray one, dropped
  CHECK(compacted->vacuumed);

  // The hour sketches of the same points, built here.
  std::map<std::pair<std::string, std::int64_t>, std::pair<QuantileSketch, QuantileSketch>> want;
  for (const auto& series : samples.series()) {
    for (const SamplePoint& point : series.points) {
      std::int64_t hour_start = kStart + (point.time_ns - kStart) / kHour * kHour;
      if (hour_start >= kStart + 77 * kHour) continue;
      auto& pair = want[{series.container, hour_start}];
      pair.first.add(point.cpu_cores);
      pair.second.add(point.memory_bytes);
    }
  }
  auto history = store.read_all();
  REQUIRE(history);
  CHECK(history->samples.point_count() == 2 * 3 * 60);
  REQUIRE(history->sketches.size() == want.size());
  for (const auto& sketch : history->sketches) {
    const auto& [cpu, memory] = want.at({sketch.container, sketch.hour_start_ns});
    CHECK(sketch.cpu.encode() == cpu.encode());
    CHECK(sketch.memory.encode() == memory.encode());
  }
  // Nothing left to do: a second pass changes nothing.
  auto again = store.compact(now, 3 * 3600, 28 * 86400, Vacuum::when_a_quarter_free);
  REQUIRE(again);
  CHECK(again->hours_compacted == 0);
  CHECK(again->points_compacted == 0);
  CHECK_FALSE(again->vacuumed);
}

TEST_CASE("compact vacuums when a quarter of the file is free, or when told to", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  Store store = open_store(path);
  REQUIRE(store.append(minutes(72)));
  auto size = [&] { return std::filesystem::file_size(path); };

  // Compacting the first two days frees their chunks: most of the file.
  auto first =
      store.compact(kStart + 72 * kHour, 24 * 3600, 28 * 86400, Vacuum::when_a_quarter_free);
  REQUIRE(first);
  CHECK(first->hours_compacted == 2 * 48);
  CHECK(first->free_share_before_vacuum >= 0.25);
  CHECK(first->vacuumed);
  CHECK(podfit::test::sqlite3_shell(path, "PRAGMA freelist_count") == "0\n");
  auto vacuumed_size = size();

  // One more hour: a little freed, not worth rewriting the file.
  auto second =
      store.compact(kStart + 73 * kHour, 24 * 3600, 28 * 86400, Vacuum::when_a_quarter_free);
  REQUIRE(second);
  CHECK(second->hours_compacted == 2);
  CHECK(second->free_share_before_vacuum < 0.25);
  CHECK_FALSE(second->vacuumed);
  CHECK(size() >= vacuumed_size - 16384);
}

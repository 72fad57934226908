// Compaction merges the hour sketches of days older than a week into six-hour rows
// (schema 4, docs/store.md): nothing counted is lost, merged reads are unchanged, a
// late point inside a six-hour row joins it, and every row keeps a valid checksum.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <string>

#include "podfit/core/hour_sketch.hpp"
#include "podfit/store/store.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

using podfit::test::kHour;
using podfit::test::kStart;
using podfit::test::open_store;
using podfit::test::sqlite3_shell;
using podfit::test::TempDir;

namespace {

constexpr int kDays = 10;
// 2024-08-23T12:00:00Z: six-hour rows are aligned to 00, 06, 12 and 18 UTC.
constexpr std::int64_t kFirst = kStart + 2 * kHour;

// Ten days of hour sketches for two containers: hour h holds 60 samples around
// (h % 24 + 1) x 10m and (h + 1) x 1 MB.
void fill(podfit::store::Store& store) {
  podfit::SampleSet pods;
  pods.intern_pod("shop", "web-1");
  pods.intern_pod("shop", "api-1");
  pods.finalize();
  std::vector<podfit::HourSketch> hours;
  for (std::uint32_t pod = 0; pod < 2; ++pod) {
    for (int h = 0; h < kDays * 24; ++h) {
      podfit::HourSketch hour{pod, "app", kFirst + h * kHour, 0, {}, {}};
      for (int i = 0; i < 60; ++i) {
        hour.cpu.add(0.01 * (h % 24 + 1) * (1 + 0.001 * i) * (pod + 1));
        hour.memory.add(1e6 * (h + 1) + 1000.0 * i);
      }
      hours.push_back(std::move(hour));
    }
  }
  REQUIRE(store.put_sketches(hours, pods));
}

std::map<std::string, std::string> rows_by_span(const std::string& path) {
  std::map<std::string, std::string> rows;
  std::string out =
      sqlite3_shell(path, "SELECT hours, count(*), sum(count) FROM hour_sketches GROUP BY hours");
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t end = out.find('\n', at);
    std::string line = out.substr(at, end - at);
    rows[line.substr(0, line.find('|'))] = line.substr(line.find('|') + 1);
    at = end + 1;
  }
  return rows;
}

}  // namespace

TEST_CASE("hour sketches over a week old are merged six hours to a row", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  auto store = open_store(path);
  fill(store);
  auto before = store.read_all({.merge_hours = true});
  REQUIRE(before);
  // Now: the end of day 10. Hours before day 3 are over a week old: 72 of each series',
  // 12 six-hour groups.
  std::int64_t now = kFirst + kDays * 24 * kHour;
  auto compacted = store.compact(now, 48 * 3600.0, 28 * 86400.0);
  REQUIRE(compacted);
  CHECK(compacted->hours_coarsened == 2 * 72);
  CHECK_THAT(compacted->text(), Catch::Contains("merged 144 hour sketches over a week old"));
  auto spans = rows_by_span(path);
  CHECK(spans["6"] == "24|" + std::to_string(24 * 360));  // 2 x 12 rows of 6 x 60 samples
  CHECK(spans["1"] == std::to_string(2 * 168) + "|" + std::to_string(2 * 168 * 60));
  // Merged per container, the read is the same sketch as before.
  auto after = store.read_all({.merge_hours = true});
  REQUIRE(after);
  REQUIRE(after->sketches.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const podfit::HourSketch &a = before->sketches[i], &b = after->sketches[i];
    CHECK(b.hour_start_ns == a.hour_start_ns);
    CHECK(b.end() == a.end());
    CHECK(b.cpu.count() == a.cpu.count());
    CHECK(b.cpu.max() == a.cpu.max());
    CHECK(b.cpu.sum() == Approx(a.cpu.sum()).epsilon(1e-12));  // added in another order
    CHECK(b.memory.sum() == Approx(a.memory.sum()).epsilon(1e-12));
    for (double q : {0.0, 10.0, 50.0, 90.0, 95.0, 99.0, 100.0}) {
      CHECK(b.cpu.quantile(q) == a.cpu.quantile(q));
      CHECK(b.memory.quantile(q) == a.memory.quantile(q));
    }
  }
  // Read apart, a six-hour row spans its hours; its max is the latest hour's memory.
  auto apart = store.read_all();
  REQUIRE(apart);
  std::size_t six = 0;
  for (const podfit::HourSketch& sketch : apart->sketches) {
    if (sketch.end() - sketch.hour_start_ns != 6 * kHour) continue;
    ++six;
    int last_hour = static_cast<int>((sketch.end() - kFirst) / kHour) - 1;
    CHECK(sketch.memory.max() == 1e6 * (last_hour + 1) + 59000.0);
    CHECK(sketch.cpu.count() == 360);
  }
  CHECK(six == 24);
  // A range starting inside a six-hour row reads that row.
  auto window = store.read(kFirst + 3 * kHour, kFirst + 4 * kHour);
  REQUIRE(window);
  CHECK(window->sketches.size() == 2);
  auto checked = store.check();
  REQUIRE(checked);
  CHECK(checked->ok());
  CHECK(checked->sketches == 24 + 2 * 168);
  // Again: nothing left to merge.
  auto again = store.compact(now + kHour, 48 * 3600.0, 28 * 86400.0);
  REQUIRE(again);
  CHECK(again->hours_coarsened == 0);
}

TEST_CASE("a late point for an hour inside a six-hour row is merged into that row", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  auto store = open_store(path);
  fill(store);
  std::int64_t now = kFirst + kDays * 24 * kHour;
  REQUIRE(store.compact(now, 48 * 3600.0, 28 * 86400.0));
  // Hour 4 of day 0 is inside the row of hours 0-5.
  podfit::SampleSet late;
  late.add(late.intern_pod("shop", "web-1"), "app", {kFirst + 4 * kHour + 60'000'000'000, 5.0, 2e9},
           60);
  late.finalize();
  REQUIRE(store.append(late));
  auto compacted = store.compact(now + kHour, 48 * 3600.0, 28 * 86400.0);
  REQUIRE(compacted);
  CHECK(compacted->hours_compacted == 1);
  CHECK(sqlite3_shell(path, "SELECT hours, count FROM hour_sketches WHERE hour = " +
                                std::to_string(kFirst / kHour) +
                                " AND series = (SELECT s.id FROM series s JOIN pods p ON "
                                "p.id = s.pod WHERE p.name = 'web-1')") == "6|361\n");
  auto checked = store.check();
  REQUIRE(checked);
  CHECK(checked->ok());
  auto apart = store.read_all();
  REQUIRE(apart);
  bool found = false;
  for (const podfit::HourSketch& sketch : apart->sketches) {
    if (sketch.hour_start_ns == kFirst && sketch.cpu.max() == 5.0) {
      found = true;
      CHECK(sketch.memory.max() == 2e9);
      CHECK(sketch.end() == kFirst + 6 * kHour);
    }
  }
  CHECK(found);
}

TEST_CASE("a damaged coarsening mark is an error naming the store, and nothing is merged",
          "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  {
    auto store = open_store(path);
    fill(store);
  }
  sqlite3_shell(path, "INSERT OR REPLACE INTO meta VALUES('sketches_coarsened_before_hour', 'x')");
  auto store = open_store(path);
  auto compacted = store.compact(kFirst + kDays * 24 * kHour, 48 * 3600.0, 28 * 86400.0);
  REQUIRE_FALSE(compacted);
  CHECK_THAT(compacted.error().message,
             Catch::Contains(path) && Catch::Contains("sketches_coarsened_before_hour"));
  CHECK(rows_by_span(path).count("6") == 0);
}

// Reading a store back: chunks decoded on a second thread while the sketches are
// read, hours merged per container, and damaged blobs inside a sound SQLite file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "podfit/store/store.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

using podfit::HourSketch;
using podfit::SamplePoint;
using podfit::SampleSet;
using podfit::store::OpenMode;
using podfit::store::ReadOptions;
using podfit::store::Store;
using podfit::test::TempDir;

namespace {

using podfit::test::kHour;
using podfit::test::kStart;
using podfit::test::open_store;

constexpr std::int64_t kTick = 15'000'000'000;

// `pods` pods of two containers, `hours` hours at 15 s, with values that are not
// whole nanocores or bytes (so chunks store float64s: over a megabyte of them).
SampleSet noisy_samples(int pods, int hours) {
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> cpu(0.001, 2.0), memory(1e6, 4e9);
  SampleSet samples;
  for (int p = 0; p < pods; ++p) {
    auto pod = samples.intern_pod("ns", "web-" + std::to_string(p));
    for (const char* container : {"app", "sidecar"}) {
      for (std::int64_t t = kStart; t < kStart + hours * kHour; t += kTick) {
        samples.add(pod, container, SamplePoint{t + p, cpu(random), memory(random) + 0.5}, 15);
      }
    }
  }
  samples.finalize();
  return samples;
}

// The points of `samples` with from_ns <= time < to_ns (and every pod).
SampleSet within(const SampleSet& samples, std::int64_t from_ns, std::int64_t to_ns) {
  SampleSet kept;
  for (const podfit::PodRecord& pod : samples.pods()) kept.intern_pod(pod.namespace_name, pod.name);
  for (const podfit::ContainerSeries& series : samples.series()) {
    for (const SamplePoint& point : series.points) {
      if (point.time_ns >= from_ns && point.time_ns < to_ns) {
        kept.add(series.pod, series.container, point, series.first_window_seconds);
      }
    }
  }
  kept.finalize();
  return kept;
}

std::string key_of(const podfit::store::StoredHistory& history, const HourSketch& sketch) {
  return history.samples.pods()[sketch.pod].name + "/" + sketch.container;
}

}  // namespace

TEST_CASE("a store read decodes every chunk, whole or cut by the range", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  SampleSet samples = noisy_samples(50, 4);  // 96,000 points, 3 closed hours in chunks
  {
    Store store = open_store(path);
    REQUIRE(store.append(samples));
  }
  CHECK(podfit::test::sqlite3_shell(path, "SELECT sum(length(points)) > 1000000 FROM chunks") ==
        "1\n");
  Store store = open_store(path, OpenMode::read_only);
  auto all = store.read_all();
  REQUIRE(all);
  CHECK(all->samples.point_count() == 96'000);
  CHECK(podfit::test::samples_text(all->samples) == podfit::test::samples_text(samples));

  std::int64_t from = kStart + kHour / 2 + 7, to = kStart + 3 * kHour + kHour / 3;
  auto range = store.read(from, to);
  REQUIRE(range);
  SampleSet expected = within(samples, from, to);
  CHECK(range->samples.point_count() == expected.point_count());
  CHECK(podfit::test::samples_text(range->samples) == podfit::test::samples_text(expected));
}

TEST_CASE("merged hours are each container's hours merged one by one", "[store]") {
  TempDir dir;
  Store store = open_store((dir / "s.db").string());
  SampleSet samples = noisy_samples(3, 6);
  REQUIRE(store.append(samples));
  // Raw window 2 h from the end of hour 5: hours 0..3 become sketches.
  REQUIRE(store.compact(kStart + 6 * kHour, 2 * 3600, 30 * 86400));

  auto hourly = store.read_all();
  auto merged = store.read_all({.merge_hours = true});
  REQUIRE(hourly);
  REQUIRE(merged);
  CHECK(hourly->sketches.size() == 24);  // 6 containers x 4 hours
  REQUIRE(merged->sketches.size() == 6);
  CHECK(podfit::test::samples_text(merged->samples) == podfit::test::samples_text(hourly->samples));

  std::map<std::string, HourSketch> by_hand;
  for (const HourSketch& hour : hourly->sketches) {
    CHECK(hour.end_ns == hour.hour_start_ns + kHour);
    auto [at, fresh] = by_hand.try_emplace(key_of(*hourly, hour), hour);
    if (fresh) continue;
    REQUIRE(at->second.cpu.merge(hour.cpu));
    REQUIRE(at->second.memory.merge(hour.memory));
    at->second.hour_start_ns = std::min(at->second.hour_start_ns, hour.hour_start_ns);
    at->second.end_ns = std::max(at->second.end_ns, hour.end_ns);
  }
  for (const HourSketch& sketch : merged->sketches) {
    const HourSketch& want = by_hand.at(key_of(*merged, sketch));
    CHECK(sketch.hour_start_ns == kStart);
    CHECK(sketch.end_ns == kStart + 4 * kHour);
    CHECK(sketch.cpu.count() == 960);
    CHECK(sketch.cpu.count() == want.cpu.count());
    CHECK(sketch.cpu.max() == want.cpu.max());
    CHECK(sketch.memory.max() == want.memory.max());
    CHECK(sketch.cpu.bucket_count() == want.cpu.bucket_count());
    for (double q : {1.0, 50.0, 90.0, 99.0}) {
      CHECK(sketch.cpu.quantile(q) == want.cpu.quantile(q));
      CHECK(sketch.memory.quantile(q) == want.memory.quantile(q));
    }
  }
  // A range that overlaps hours 1 and 2 only.
  auto part = store.read(kStart + kHour + 1, kStart + 3 * kHour, {.merge_hours = true});
  REQUIRE(part);
  REQUIRE(part->sketches.size() == 6);
  CHECK(part->sketches[0].hour_start_ns == kStart + kHour);
  CHECK(part->sketches[0].end_ns == kStart + 3 * kHour);
  CHECK(part->sketches[0].cpu.count() == 480);
}

TEST_CASE("a damaged chunk or sketch in a sound file is an error naming the store", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  {
    Store store = open_store(path);
    REQUIRE(store.append(noisy_samples(20, 6)));
    REQUIRE(store.compact(kStart + 6 * kHour, 3 * 3600, 30 * 86400));
  }
  std::string chunk = podfit::test::sqlite3_shell(
      path,
      "UPDATE chunks SET points = x'0105ff' WHERE id = (SELECT max(id) FROM chunks);"
      "SELECT changes();");
  REQUIRE(chunk == "1\n");
  // The checksum finds it first; without one (a row of a store before schema 3) the
  // decoder still refuses the bytes.
  for (const char* expected : {"fails its checksum: the store is damaged", "corrupt store"}) {
    Store store = open_store(path, OpenMode::read_only);
    for (bool merge : {false, true}) {
      auto history = store.read_all({.merge_hours = merge});
      REQUIRE_FALSE(history);
      CHECK_THAT(history.error().message,
                 Catch::Contains(path) && Catch::Contains("chunk") && Catch::Contains(expected));
    }
    podfit::test::sqlite3_shell(path, "UPDATE chunks SET crc = NULL;");
  }
  REQUIRE(podfit::test::sqlite3_shell(path, "DELETE FROM chunks; SELECT changes() > 0;") == "1\n");
  REQUIRE(podfit::test::sqlite3_shell(path,
                                      "UPDATE hour_sketches SET memory = x'0210' WHERE hour = "
                                      "(SELECT max(hour) FROM hour_sketches); SELECT changes();") ==
          "40\n");
  for (const char* expected : {"hour sketch of series", "bad hour sketch"}) {
    Store store = open_store(path, OpenMode::read_only);
    // Hours apart, merged, and merged with their decay weights (decoded one by one).
    for (ReadOptions options : {ReadOptions{.merge_hours = false}, ReadOptions{.merge_hours = true},
                                ReadOptions{.merge_hours = true, .half_life_seconds = 3600}}) {
      auto history = store.read_all(options);
      REQUIRE_FALSE(history);
      CHECK_THAT(history.error().message, Catch::Contains(path) && Catch::Contains(expected));
    }
    podfit::test::sqlite3_shell(path, "UPDATE hour_sketches SET crc = NULL;");
  }
}

TEST_CASE(
    "a changed value that still decodes is caught by its checksum, and info --check "
    "lists it",
    "[store][hostile]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  {
    Store store = open_store(path);
    REQUIRE(store.append(noisy_samples(4, 6)));
    REQUIRE(store.compact(kStart + 6 * kHour, 3 * 3600, 30 * 86400));
  }
  std::string info = "store info --check --store " + podfit::test::shell_quote(path);
  auto sound = podfit::test::podfit_run(info);
  CHECK(sound.exit_code == 0);
  CHECK_THAT(sound.out, Catch::Contains("check:          ok (16 chunks and 24 hour sketches "
                                        "verified)"));
  // A sketch said to hold one sample more, and a chunk moved to another hour: both
  // decode, neither was written so.
  podfit::test::sqlite3_shell(path,
                              "UPDATE hour_sketches SET count = count + 1 WHERE (hour, series) = "
                              "(SELECT hour, series FROM hour_sketches LIMIT 1);"
                              "UPDATE chunks SET hour = hour + 100 WHERE id = (SELECT min(id) FROM "
                              "chunks);");
  Store store = open_store(path, OpenMode::read_only);
  auto history = store.read_all();
  REQUIRE_FALSE(history);
  CHECK_THAT(history.error().message, Catch::Contains("fails its checksum"));
  auto damaged = podfit::test::podfit_run(info);
  CHECK(damaged.exit_code == 4);
  CHECK_THAT(damaged.out, Catch::Contains("check:          DAMAGED"));
  CHECK_THAT(damaged.err, Catch::Contains(": hour sketch of series ") &&
                              Catch::Contains(": checksum mismatch") &&
                              Catch::Contains(": chunk of series "));
}

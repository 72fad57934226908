// The history store through its API: round trips, de-duplication, events and
// resources, compaction, and the ways an unusable file is refused.
#include <catch2/catch.hpp>

#include <sstream>

#include "podfit/core/time.hpp"
#include "podfit/source/recorded.hpp"
#include "podfit/store/store.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

using podfit::SamplePoint;
using podfit::SampleSet;
using podfit::store::OpenMode;
using podfit::store::Store;
using podfit::test::TempDir;

namespace {

using podfit::test::kHour;
using podfit::test::kStart;
using podfit::test::open_store;

SampleSet hand_made_samples() {
  SampleSet samples;
  podfit::Labels labels{{"app", "api"}, {"quote\"d", "ünïcode"}};
  auto api = samples.intern_pod("shop", "api-7c9d8f6b5-abcde", &labels);
  auto db = samples.intern_pod("shop", "db-0");
  samples.add(api, "app", SamplePoint{kStart, 0.25, 104857600}, 15.026);
  samples.add(api, "app", SamplePoint{kStart + 15'000'000'001, 0.5, 1.5}, 15.026);
  samples.add(api, "sidecar", SamplePoint{kStart, 0.001234567, 2048}, 15.026);
  samples.add(db, "postgres", SamplePoint{kStart + 5, 0.333333333, 3e9}, 30);
  samples.finalize();
  return samples;
}

}  // namespace

TEST_CASE("a store gives back exactly what was appended, each point once", "[store]") {
  TempDir dir;
  std::string path = (dir / "podfit.db").string();
  SampleSet samples = hand_made_samples();
  {
    Store store = open_store(path);
    auto first = store.append(samples);
    REQUIRE(first);
    CHECK(first->points == 4);
    CHECK(first->added == 4);
    auto again = store.append(samples);  // the same poll seen twice
    REQUIRE(again);
    CHECK(again->added == 0);
  }
  Store store = open_store(path, OpenMode::read_only);
  auto history = store.read_all();
  REQUIRE(history);
  CHECK(podfit::test::samples_text(history->samples) == podfit::test::samples_text(samples));
  CHECK(history->sketches.empty());

  auto later = store.read(kStart + 1, kStart + 20'000'000'000);
  REQUIRE(later);
  CHECK(later->samples.point_count() == 2);  // api/app's second point and db-0's point

  auto info = store.info();
  REQUIRE(info);
  CHECK(info->pods == 2);
  CHECK(info->series == 3);
  CHECK(info->raw_points == 4);
  CHECK(*info->first_raw_ns == kStart);
  CHECK(*info->last_raw_ns == kStart + 15'000'000'001);
}

TEST_CASE("events are kept once per restart and resources per workload container", "[store]") {
  TempDir dir;
  Store store = open_store((dir / "s.db").string());
  podfit::ContainerEvent oom{"shop",     "api-7c9d8f6b5-abcde", "app", kStart, "OOMKilled", 3,
                             268435456.0};
  podfit::WorkloadResources api{{"shop", "Deployment", "api"}, "app", {}};
  api.current.memory_limit = podfit::ResourceValue{268435456, "256Mi"};
  api.current.cpu_request = podfit::ResourceValue{0.1, "100m"};
  REQUIRE(store.append(hand_made_samples(), {oom, oom}, {api}));
  api.current.memory_limit = podfit::ResourceValue{536870912, "512Mi"};
  REQUIRE(store.append(SampleSet{}, {oom}, {api}));

  auto history = store.read_all();
  REQUIRE(history);
  REQUIRE(history->events.size() == 1);
  CHECK(history->events[0].reason == "OOMKilled");
  CHECK(history->events[0].restart_count == 3);
  CHECK(*history->events[0].memory_limit_bytes == 268435456.0);
  REQUIRE(history->resources.size() == 1);
  CHECK(history->resources[0].current.memory_limit->text == "512Mi");
  CHECK(history->resources[0].current.memory_limit->amount == 536870912.0);
  CHECK(history->resources[0].current.cpu_request->text == "100m");
  CHECK_FALSE(history->resources[0].current.cpu_limit);
}

TEST_CASE("compaction turns old hours into sketches and drops what is past retention", "[store]") {
  TempDir dir;
  Store store = open_store((dir / "s.db").string());
  SampleSet samples;
  auto pod = samples.intern_pod("ns", "web-0");
  // Hours 0..3 after kStart, 120 points each: values 1..120 millicores scaled by hour + 1.
  for (int hour = 0; hour < 4; ++hour) {
    for (int i = 1; i <= 120; ++i) {
      std::int64_t time = kStart + hour * kHour + i * 30'000'000'000LL - 1;
      samples.add(pod, "c", SamplePoint{time, (hour + 1) * i * 0.001, 1e6 * i}, 30);
    }
  }
  samples.finalize();
  REQUIRE(store.append(samples));

  // now = start of hour 4 + 1 h: a 1 h raw window keeps hour 3 raw... and hour 4 is empty.
  auto compacted = store.compact(kStart + 4 * kHour + kHour / 2, 3600, 3 * 3600);
  REQUIRE(compacted);
  // boundary = hour 3 start: hours 0..2 compacted (360 points); retention starts in hour 1,
  // so hour 0 is dropped on the way.
  CHECK(compacted->points_compacted == 360);
  CHECK(compacted->hours_compacted == 2);
  auto history = store.read_all();
  REQUIRE(history);
  CHECK(history->samples.point_count() == 120);
  REQUIRE(history->sketches.size() == 2);
  const auto& hour1 = history->sketches[0];
  CHECK(hour1.hour_start_ns == kStart + kHour);
  CHECK(hour1.cpu.count() == 120);
  CHECK(hour1.cpu.max() == Approx(0.240).epsilon(1e-12));  // exact max: 2 x 120 m
  CHECK(hour1.memory.max() == 120e6);
  // numpy lower p50 of 2,4,...,240 m is the 60th value (rank 59): 120 m, within 1 %.
  CHECK(hour1.cpu.quantile(50) == Approx(0.120).epsilon(0.01));

  // Later: everything falls out of the retention.
  auto dropped = store.compact(kStart + 30 * kHour, 3600, 3 * 3600);
  REQUIRE(dropped);
  CHECK(dropped->sketches_dropped == 2);
  auto info = store.info();
  REQUIRE(info);
  CHECK(info->raw_points == 0);
  CHECK(info->sketches == 0);
  CHECK(info->pods == 0);  // nothing refers to the pod any more
}

TEST_CASE("export writes JSON Lines the recorded reader reads back to the same samples",
          "[store]") {
  SampleSet original = hand_made_samples();
  podfit::source::read_recorded_file(
      podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl", original)
      .value();
  original.finalize();
  TempDir dir;
  Store store = open_store((dir / "s.db").string());
  REQUIRE(store.append(original));
  auto history = store.read_all();
  REQUIRE(history);
  std::ostringstream out;
  podfit::store::write_jsonl(out, history->samples);
  std::istringstream in(out.str());
  SampleSet back;
  auto summary = podfit::source::read_recorded(in, "export", back);
  CHECK(summary.skipped == 0);
  back.finalize();
  CHECK(podfit::test::samples_text(back) == podfit::test::samples_text(original));
}

TEST_CASE("format_rfc3339 writes what parse_rfc3339_ns reads", "[store]") {
  const std::int64_t times[] = {0, kStart, kStart + 123456789, -1'500'000'000,
                                std::int64_t{951782400} * 1000000000 /* 2000-02-29 */};
  for (std::int64_t time : times) {
    auto parsed = podfit::parse_rfc3339_ns(podfit::format_rfc3339(time));
    REQUIRE(parsed);
    CHECK(*parsed == time);
  }
  CHECK(podfit::format_rfc3339(kStart) == "2024-08-23T10:00:00Z");
  CHECK(podfit::format_rfc3339(kStart + 5) == "2024-08-23T10:00:00.000000005Z");
}

#include "podfit/core/sample_set.hpp"

#include <catch2/catch.hpp>

namespace podfit {

TEST_CASE("SampleSet keeps the window of the earliest point, in any order", "[source]") {
  SampleSet samples;
  auto pod = samples.intern_pod("ns", "p");
  samples.add(pod, "c", {30, 0.3, 3}, 30.0);
  samples.add(pod, "c", {10, 0.1, 1}, 10.0);  // new earliest
  samples.add(pod, "c", {20, 0.2, 2}, 20.0);  // between: not the earliest
  samples.add(pod, "c", {40, 0.4, 4}, 40.0);
  samples.add(pod, "c", {10, 0.1, 1}, 99.0);  // a repeat of the earliest
  CHECK(samples.series().at(0).first_window_seconds == 10.0);
  samples.finalize();
  const auto& points = samples.series()[0].points;
  REQUIRE(points.size() == 4);
  CHECK(points[0].time_ns == 10);
  CHECK(points[1].time_ns == 20);
  CHECK(points[2].time_ns == 30);
  CHECK(points[3].time_ns == 40);
  CHECK(points[1].cpu_cores == 0.2);
  CHECK(samples.duplicates_dropped() == 1);
  samples.finalize();  // idempotent
  CHECK(samples.point_count() == 4);
  CHECK(samples.duplicates_dropped() == 1);
}

TEST_CASE("SampleSet interns pods and series by name", "[source]") {
  SampleSet samples;
  Labels first{{"app", "a"}};
  Labels second{{"app", "b"}};
  auto p = samples.intern_pod("ns", "p", &first);
  CHECK(samples.intern_pod("ns", "p") == p);
  CHECK(samples.intern_pod("other", "p") != p);
  CHECK(samples.intern_pod("ns", "p", &second) == p);
  CHECK(samples.pods()[p].labels == second);
  samples.add(p, "a-long-container-name-beyond-sso", {1, 1, 1}, 15);
  samples.add(p, "a-long-container-name-beyond-sso", {2, 1, 1}, 15);
  samples.add(p, "b", {1, 1, 1}, 15);
  CHECK(samples.series().size() == 2);
  CHECK(samples.series()[0].points.size() == 2);

  SampleSet more;
  auto q = more.intern_pod("ns", "p", &first);
  more.add(q, "b", {5, 2, 2}, 15);
  samples.merge(std::move(more));
  CHECK(samples.pods().size() == 2);
  CHECK(samples.series()[1].points.size() == 2);
  CHECK(samples.pods()[p].labels == first);
}

TEST_CASE("add_points gives what adding each point would, in or out of order", "[source]") {
  // Runs: an in-order chunk, a later one, one that overlaps (a repeat and an
  // earlier point), one wholly before the first, and an unsorted one.
  std::vector<std::vector<SamplePoint>> runs{
      {{100, 1, 1}, {110, 2, 2}, {120, 3, 3}}, {{130, 4, 4}, {140, 5, 5}},
      {{140, 9, 9}, {90, 6, 6}, {150, 7, 7}},  {{10, 8, 8}, {20, 9, 9}},
      {{200, 1, 1}, {160, 2, 2}, {200, 3, 3}},
  };
  std::vector<double> windows{15, 30, 45, 60, 75};
  SampleSet bulk, single;
  auto bulk_pod = bulk.intern_pod("ns", "p");
  auto single_pod = single.intern_pod("ns", "p");
  for (std::size_t r = 0; r < runs.size(); ++r) {
    bulk.add_points(bulk_pod, "c", runs[r], windows[r]);
    for (const SamplePoint& point : runs[r]) single.add(single_pod, "c", point, windows[r]);
  }
  bulk.add_points(bulk_pod, "empty", {}, 5);  // no series for nothing
  REQUIRE(bulk.series().size() == 1);
  CHECK(bulk.series()[0].first_window_seconds == 60);  // the run holding time 10
  bulk.finalize();
  single.finalize();
  const auto& got = bulk.series()[0].points;
  const auto& want = single.series()[0].points;
  REQUIRE(got.size() == want.size());
  REQUIRE(got.size() == 11);  // 13 points less the repeats of 140 and 200
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].time_ns == want[i].time_ns);
    CHECK(got[i].cpu_cores == want[i].cpu_cores);
  }
  CHECK(got[0].time_ns == 10);
  CHECK(got[6].time_ns == 130);
  CHECK(got[7].cpu_cores == 5);  // time 140: the first value stored wins
  CHECK(bulk.duplicates_dropped() == 2);
}

}  // namespace podfit

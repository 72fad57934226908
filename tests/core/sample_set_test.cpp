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

}  // namespace podfit

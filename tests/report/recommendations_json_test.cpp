// The recommendations JSON: what write_report(-o json) writes, parse_recommendations_json
// reads back, field by field.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "podfit/report/report.hpp"

using namespace podfit;

namespace {

stats::Summary summary(double base) {
  stats::Summary s;
  s.count = 1234;
  s.mean = base * 1.1;
  s.p50 = base;
  s.p90 = base * 1.9;
  s.p95 = base * 2.3;
  s.p99 = base * 3.7;
  s.max = base * 5.3;
  s.burst_ratio = stats::burst_ratio(s.max, s.p50);
  return s;
}

policy::Recommendation full() {
  policy::Recommendation r;
  r.stats.workload = WorkloadRef{"shop", "StatefulSet", "db"};
  r.stats.container = "postgres";
  r.stats.pods = 3;
  r.stats.samples = 1234;
  r.stats.window_seconds = 86400.5;
  r.stats.cpu = summary(0.123456789);
  r.stats.memory = summary(512.25 * 1024 * 1024);
  r.stats.memory_growth_per_second = 12.75;
  r.stats.longest_pod_seconds = 7200.25;
  r.stats.half_life_seconds = 3600;
  r.stats.effective_samples = 987.625;
  r.stats.sketched = true;
  r.current.cpu_request = ResourceValue{0.1, "100m"};
  r.current.memory_limit = ResourceValue{1024.0 * 1024 * 1024, "1Gi"};
  r.recommended.cpu_request = ResourceValue{0.143, "143m"};
  r.recommended.cpu_limit = ResourceValue{0.5, "500m"};
  r.recommended.memory_request = ResourceValue{700.0 * 1024 * 1024, "700Mi"};
  r.recommended.memory_limit = ResourceValue{1.25 * 1024 * 1024 * 1024, "1280Mi"};
  r.has_recommendation = true;
  r.reason = "cpu request 143m = p90 \"x\" | y";
  r.events.restarts = 4;
  r.events.oom_kills = 2;
  r.events.oom_memory_limit_bytes = 1024.0 * 1024 * 1024;
  return r;
}

void check_summary(const stats::Summary& got, const stats::Summary& want) {
  CHECK(got.count == want.count);
  CHECK(got.mean == want.mean);
  CHECK(got.p50 == want.p50);
  CHECK(got.p90 == want.p90);
  CHECK(got.p95 == want.p95);
  CHECK(got.p99 == want.p99);
  CHECK(got.max == want.max);
  CHECK(got.burst_ratio == want.burst_ratio);
}

}  // namespace

TEST_CASE("the recommendations JSON round-trips every field", "[report][json]") {
  policy::Recommendation none;  // too little data: no numbers, a zero p50
  none.stats.workload = WorkloadRef{"", "DaemonSet|Job", "agent"};
  none.stats.container = "agent";
  none.stats.memory.max = 3;
  none.stats.memory.burst_ratio = stats::burst_ratio(3, 0);
  none.reason = "too few samples";
  std::vector<policy::Recommendation> written{full(), none};
  std::ostringstream out;
  report::write_report(out, written, {report::Format::json, false});
  auto read = report::parse_recommendations_json(out.str(), "test");
  REQUIRE(read);
  REQUIRE(read->size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO(i);
    const policy::Recommendation& want = written[i];
    const policy::Recommendation& got = (*read)[i];
    CHECK(got.stats.workload == want.stats.workload);
    CHECK(got.stats.container == want.stats.container);
    CHECK(got.stats.pods == want.stats.pods);
    CHECK(got.stats.samples == want.stats.samples);
    CHECK(got.stats.window_seconds == want.stats.window_seconds);
    CHECK(got.stats.memory_growth_per_second == want.stats.memory_growth_per_second);
    CHECK(got.stats.longest_pod_seconds == want.stats.longest_pod_seconds);
    CHECK(got.stats.half_life_seconds == want.stats.half_life_seconds);
    CHECK(got.stats.effective_samples == want.stats.effective_samples);
    CHECK(got.stats.sketched == want.stats.sketched);
    if (i == 0) {
      check_summary(got.stats.cpu, want.stats.cpu);
      check_summary(got.stats.memory, want.stats.memory);
    }
    CHECK(got.current == want.current);
    CHECK(got.recommended == want.recommended);
    CHECK(got.has_recommendation == want.has_recommendation);
    CHECK(got.changes() == want.changes());
    CHECK(got.reason == want.reason);
    CHECK(got.events.restarts == want.events.restarts);
    CHECK(got.events.oom_kills == want.events.oom_kills);
    CHECK(got.events.oom_memory_limit_bytes == want.events.oom_memory_limit_bytes);
  }
  CHECK(std::isinf((*read)[1].stats.memory.burst_ratio));  // written as null, read as +inf
  // And written again, the same text.
  std::ostringstream again;
  report::write_report(again, *read, {report::Format::json, false});
  CHECK(again.str() == out.str());
}

TEST_CASE("no namespace is spelled '-' in every text output", "[report]") {
  policy::Recommendation r = full();
  r.stats.workload.namespace_name.clear();
  CHECK(r.stats.workload.display() == "-/StatefulSet/db");  // patch's diff comments
  for (report::Format format : {report::Format::table, report::Format::markdown}) {
    std::ostringstream out;
    report::write_report(out, {r}, {format, false});
    INFO(out.str());
    CHECK_THAT(out.str(), Catch::Contains("- StatefulSet/db postgres: "));  // the reasons
    CHECK_THAT(out.str(), !Catch::Contains("*/"));
  }
  std::ostringstream json;
  report::write_report(json, {r}, {report::Format::json, false});
  CHECK_THAT(json.str(), Catch::Contains("\"namespace\": \"\""));  // JSON: the empty string
}

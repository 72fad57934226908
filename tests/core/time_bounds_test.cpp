// Times and spans podfit takes stay where int64 nanoseconds add and subtract safely:
// times in 1970-2199, spans up to 50 years; anything else is refused where it enters.
#include <catch2/catch.hpp>

#include "podfit/core/time.hpp"
#include "podfit/source/prometheus.hpp"
#include "support/support.hpp"

using podfit::test::podfit_run;

TEST_CASE("sample times outside 1970-2199 are refused with the text", "[time][hostile]") {
  CHECK(podfit::parse_supported_time_ns("1970-01-01T00:00:00Z").value() == 0);
  CHECK(podfit::parse_supported_time_ns("2199-12-31T23:59:59.999999999Z").has_value());
  auto early = podfit::parse_supported_time_ns("1969-12-31T23:59:59Z");
  REQUIRE(!early);
  CHECK(early.error().message ==
        "timestamp \"1969-12-31T23:59:59Z\": before 1970 or after 2199, which podfit does not "
        "support");
  CHECK(!podfit::parse_supported_time_ns("2200-01-01T00:00:00Z"));
  // The largest time plus the longest span still fits (2249 < 2262).
  auto sum = static_cast<long double>(podfit::kLatestTimeNs) + podfit::kMaxSpanSeconds * 1e9L;
  CHECK(sum < static_cast<long double>(INT64_MAX));
}

TEST_CASE("spans past 50 years and Prometheus times past 2199 are refused", "[time][hostile]") {
  CHECK(podfit::source::parse_history_seconds("14d").value() == 14 * 86400);
  auto huge = podfit::source::parse_history_seconds("2562047h");  // int64 ns max, near enough
  REQUIRE(!huge);
  CHECK(huge.error().message == "'2562047h' is longer than 50 years, which podfit does not support");
  for (const char* time : {"1e30", "-60", "7258118400"}) {
    auto answer = podfit::source::parse_query_response(
        std::string(R"({"status":"success","data":{"resultType":"matrix","result":[)") +
        R"({"metric":{"pod":"a"},"values":[[)" + time + R"(,"1"]]}]}})");
    INFO(time);
    REQUIRE(!answer);
    CHECK_THAT(answer.error().message, Catch::Contains("before 1970 or after 2199"));
  }
  CHECK(podfit::source::parse_query_response(
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"pod":"a"},"values":[[7258118399,"1"]]}]}})")
            .has_value());
  // The backtest split (--train/--test) and the policy's spans go through the same bounds.
  std::string samples = podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl";
  auto split = podfit_run("backtest --samples " + samples + " --train 1h --test 2562047h");
  CHECK(split.exit_code == 2);
  CHECK_THAT(split.err, Catch::Contains("--test: '2562047h' is longer than 50 years"));
  auto half_life = podfit_run("recommend --samples " + samples + " --half-life 2562047h");
  CHECK(half_life.exit_code == 2);
}

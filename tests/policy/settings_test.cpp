#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "podfit/policy/policy.hpp"

namespace podfit::policy {
namespace {

using Settings = std::map<std::string, std::string>;

std::string error_of(const Settings& settings, PolicyOptions base = {}) {
  auto applied = apply_settings(base, settings, "policy.yaml");
  return applied ? std::string("no error") : applied.error().message;
}

TEST_CASE("a percentile of 80 reads as p80 and shows as p80", "[policy]") {
  auto applied = apply_settings(
      PolicyOptions{}, {{"cpu-request-percentile", "p80"}, {"memory-request-percentile", "80"}},
      "policy.yaml");
  REQUIRE(applied);
  CHECK(applied->cpu_request_statistic == Statistic::p80);
  CHECK(applied->memory_request_statistic == Statistic::p80);
  CHECK(std::string(statistic_name(Statistic::p80)) == "p80");
}

TEST_CASE("apply_settings reads every key", "[policy]") {
  auto applied = apply_settings(PolicyOptions{},
                                {{"cpu-request-percentile", "99"},
                                 {"cpu-request-margin", "1.3"},
                                 {"cpu-limit-percentile", "p90"},
                                 {"cpu-limit-margin", "2"},
                                 {"memory-request-percentile", "max"},
                                 {"memory-request-margin", "1.05"},
                                 {"memory-limit-percentile", "50"},
                                 {"memory-limit-margin", "1.5"},
                                 {"cpu-limit", "set"},
                                 {"qos", "guaranteed"},
                                 {"min-cpu", "5m"},
                                 {"min-memory", "64Mi"},
                                 {"min-samples", "50"},
                                 {"min-duration", "1h30m"},
                                 {"min-change", "25%"}},
                                "policy.yaml");
  REQUIRE(applied);
  CHECK(applied->cpu_request_statistic == Statistic::p99);
  CHECK(applied->cpu_request_margin == 1.3);
  CHECK(applied->cpu_limit_statistic == Statistic::p90);
  CHECK(applied->cpu_limit_margin == 2);
  CHECK(applied->memory_request_statistic == Statistic::max);
  CHECK(applied->memory_request_margin == 1.05);
  CHECK(applied->memory_limit_statistic == Statistic::p50);
  CHECK(applied->memory_limit_margin == 1.5);
  CHECK(applied->cpu_limit == CpuLimitMode::set);
  CHECK(applied->guaranteed);
  CHECK(applied->min_cpu_cores == 0.005);
  CHECK(applied->min_memory_bytes == 64.0 * 1024 * 1024);
  CHECK(applied->min_samples == 50);
  CHECK(applied->min_window_seconds == 5400);
  CHECK(applied->min_change == 0.25);
}

TEST_CASE("apply_settings keeps what it is not told", "[policy]") {
  PolicyOptions base;
  base.cpu_limit = CpuLimitMode::keep;
  base.min_samples = 7;
  auto applied = apply_settings(base, {{"min-change", "0.05"}}, "command line");
  REQUIRE(applied);
  CHECK(applied->cpu_limit == CpuLimitMode::keep);
  CHECK(applied->min_samples == 7);
  CHECK(applied->min_change == 0.05);
  CHECK(applied->cpu_request_margin == 1.15);

  auto unchanged = apply_settings(PolicyOptions{}, {}, "x");
  REQUIRE(unchanged);
  CHECK(unchanged->min_window_seconds == 600);
  CHECK(unchanged->min_memory_bytes == 8.0 * 1024 * 1024);
}

TEST_CASE("apply_settings reads Go-style durations", "[policy]") {
  const std::pair<const char*, double> cases[] = {
      {"10m", 600}, {"90s", 90},    {"1h", 3600},   {"1.5h", 5400},   {"2h0m30s", 7230},
      {"0", 0},     {"500ms", 0.5}, {"7d", 604800}, {"1d12h", 129600}};
  for (const auto& [text, seconds] : cases) {
    INFO(text);
    auto applied = apply_settings(PolicyOptions{}, {{"min-duration", text}}, "x");
    REQUIRE(applied);
    CHECK(applied->min_window_seconds == seconds);
  }
}

TEST_CASE("apply_settings names the origin, key and allowed values", "[policy]") {
  CHECK_THAT(error_of({{"cpu-margin", "1.2"}}),
             Catch::StartsWith("policy.yaml: unknown policy setting \"cpu-margin\" (known: ") &&
                 Catch::Contains("min-change"));
  CHECK(error_of({{"cpu-limit", "maybe"}}) ==
        "policy.yaml: cpu-limit: \"maybe\" is not valid (expected one of set, keep, none)");
  CHECK(error_of({{"qos", "besteffort"}}) ==
        "policy.yaml: qos: \"besteffort\" is not valid (expected burstable or guaranteed)");
  CHECK_THAT(
      error_of({{"cpu-request-percentile", "97"}}),
      Catch::Contains(
          "cpu-request-percentile: \"97\" is not valid (expected one of 50, 80, 90, 95, 99, max)"));
  const char* bad_values[][2] = {{"memory-limit-margin", "abc"},
                                 {"cpu-request-margin", "0.5"},
                                 {"cpu-limit-margin", "nan"},
                                 {"cpu-limit-margin", "0x10"},
                                 {"min-cpu", "-1"},
                                 {"min-memory", "lots"},
                                 {"min-samples", "2.5"},
                                 {"min-samples", "-3"},
                                 {"min-duration", "10"},
                                 {"min-duration", "ten"},
                                 {"min-duration", "-5m"},
                                 {"min-duration", "5w"},
                                 {"min-change", "150%"},
                                 {"min-change", "1"},
                                 {"min-change", "x%"},
                                 {"min-change", ""},
                                 {"memory-request-margin", " 1.2"}};
  for (const auto& [key, value] : bad_values) {
    INFO(key << ": " << value);
    CHECK_THAT(error_of({{key, value}}),
               Catch::StartsWith(std::string("policy.yaml: ") + key + ": \"" + value +
                                 "\" is not valid (expected "));
  }
}

TEST_CASE("apply_settings rejects guaranteed QoS without a CPU limit it sets", "[policy]") {
  CHECK(error_of({{"qos", "guaranteed"}, {"cpu-limit", "none"}}) ==
        "policy.yaml: qos=guaranteed conflicts with cpu-limit=none (Guaranteed QoS needs a CPU "
        "limit equal to the request; use cpu-limit=set)");
  CHECK_THAT(error_of({{"qos", "guaranteed"}, {"cpu-limit", "keep"}}),
             Catch::Contains("conflicts with cpu-limit=keep"));
  PolicyOptions guaranteed;
  guaranteed.guaranteed = true;  // e.g. from the policy file; the flag adds the conflict
  CHECK_THAT(error_of({{"cpu-limit", "none"}}, guaranteed), Catch::Contains("conflicts"));
  CHECK(error_of({{"qos", "burstable"}, {"cpu-limit", "none"}}, guaranteed) == "no error");
}

}  // namespace
}  // namespace podfit::policy

TEST_CASE("half-life: a duration, off or 0, anything else names the key", "[policy][decay]") {
  auto day = podfit::policy::apply_settings({}, {{"half-life", "24h"}}, "policy.yaml:3");
  REQUIRE(day);
  CHECK(day->half_life_seconds == 86400);
  CHECK(podfit::policy::apply_settings({}, {{"half-life", "1h30m"}}, "x")->half_life_seconds ==
        5400);
  CHECK(podfit::policy::apply_settings(*day, {{"half-life", "off"}}, "x")->half_life_seconds == 0);
  CHECK(podfit::policy::apply_settings(*day, {{"half-life", "0"}}, "x")->half_life_seconds == 0);
  CHECK(podfit::policy::PolicyOptions{}.half_life_seconds == 0);  // off by default
  CHECK(podfit::policy::apply_settings({}, {{"half-life", "7d"}}, "x")->half_life_seconds ==
        604800);
  auto bad = podfit::policy::apply_settings({}, {{"half-life", "1w"}}, "policy.yaml:3");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "policy.yaml:3: half-life: \"1w\" is not valid (expected a duration such as 24h or 7d, "
        "or off (0))");
}

// The policy settings table: every key shows its value in the form it is set with, so
// the CLI's "(default X)" help and a --policy file agree with PolicyOptions.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "podfit/policy/policy.hpp"

using namespace podfit;

TEST_CASE("each policy setting shows what it was set to", "[policy][settings]") {
  const std::map<std::string, std::string> values = {{"cpu-request-percentile", "p95"},
                                                     {"cpu-request-margin", "1.3"},
                                                     {"cpu-request-exceedance-cost", "0.5"},
                                                     {"cpu-limit-percentile", "p99"},
                                                     {"cpu-limit-margin", "2"},
                                                     {"memory-request-percentile", "max"},
                                                     {"memory-request-margin", "1.05"},
                                                     {"memory-limit-percentile", "p95"},
                                                     {"memory-limit-margin", "1.5"},
                                                     {"cpu-limit", "set"},
                                                     {"qos", "guaranteed"},
                                                     {"memory-growth", "ignore"},
                                                     {"min-cpu", "5m"},
                                                     {"min-memory", "16Mi"},
                                                     {"min-samples", "50"},
                                                     {"min-runs", "4"},
                                                     {"job-sizing", "pooled"},
                                                     {"min-duration", "90m"},
                                                     {"cpu-margin-confidence", "2h"},
                                                     {"half-life", "7d"},
                                                     {"min-change", "5%"}};
  REQUIRE(policy::setting_docs().size() == values.size());
  auto applied = policy::apply_settings({}, values, "test");
  REQUIRE(applied);
  CHECK(applied->cpu_request_statistic == policy::Statistic::p95);
  CHECK(applied->min_window_seconds == 5400);
  CHECK(applied->half_life_seconds == 7 * 86400);
  CHECK(applied->min_change == Approx(0.05));
  for (const policy::SettingDoc& doc : policy::setting_docs()) {
    INFO(doc.key);
    REQUIRE(values.count(doc.key) == 1);
    CHECK(policy::setting_text(*applied, doc.key) == values.at(doc.key));
    CHECK_FALSE(doc.help.empty());
  }
}

TEST_CASE("the defaults shown read back as the defaults", "[policy][settings]") {
  const policy::PolicyOptions defaults;
  CHECK(policy::setting_text(defaults, "cpu-request-percentile") == "p90");
  CHECK(policy::setting_text(defaults, "cpu-request-margin") == "1.15");
  CHECK(policy::setting_text(defaults, "cpu-request-exceedance-cost") == "2");
  CHECK(policy::setting_text(defaults, "cpu-limit-margin") == "2");
  CHECK(policy::setting_text(defaults, "min-change") == "10%");
  CHECK(policy::setting_text(defaults, "min-duration") == "10m");
  CHECK(policy::setting_text(defaults, "half-life") == "off");
  CHECK(policy::setting_text(defaults, "min-memory") == "8Mi");
  CHECK(policy::setting_text(defaults, "no-such-key").empty());
  std::map<std::string, std::string> shown;
  for (const policy::SettingDoc& doc : policy::setting_docs()) {
    shown[doc.key] = policy::setting_text(defaults, doc.key);
  }
  auto again = policy::apply_settings({}, shown, "test");
  REQUIRE(again);
  for (const auto& [key, text] : shown) {
    INFO(key);
    CHECK(policy::setting_text(*again, key) == text);
  }
  CHECK(again->cpu_request_margin == defaults.cpu_request_margin);
  CHECK(again->min_memory_bytes == defaults.min_memory_bytes);
  CHECK(again->cpu_margin_confidence_seconds == defaults.cpu_margin_confidence_seconds);
}

// backtest --store against backtest --samples on the same five days, the older three
// compacted: the podfit recommendations agree within the sketch error, and an OOM kill
// recorded beside the samples reaches the policy through either source.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <string>

#include "podfit/quantity/quantity.hpp"
#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

constexpr double kGi = 1024.0 * 1024 * 1024;

// Two workloads at one minute for five days, and an OOM kill of the steady one on day 2
// (limit 1Gi, far above what it uses).
std::string five_days(const TempDir& dir) {
  std::string trace = (dir / "five.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families steady,bursty --workloads 2 "
                      "--duration 5d --interval 60 --seed 5 -o " +
                      shell_quote(trace))
              .exit_code == 0);
  podfit::test::write_file(
      trace + ".events.jsonl",
      R"({"kind":"ContainerEvent","namespace":"default","pod":"trace-steady-000-x4b4qrwk9c-kntpf",)"
      R"("container":"app","restartCount":1,"reason":"OOMKilled",)"
      R"("finishedAt":"2024-08-24T12:00:00Z","memoryLimit":"1Gi"})"
      "\n");
  return trace;
}

double amount(const nlohmann::json& resources, const char* section, const char* name) {
  const nlohmann::json& values = resources[section];
  if (!values.contains(name)) return -1;
  auto parsed = podfit::quantity::parse(values[name].get<std::string>());
  REQUIRE(parsed);
  return parsed->value();
}

// "workload/container" -> the podfit preset's entry.
std::map<std::string, nlohmann::json> podfit_entries(const CommandResult& run) {
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::map<std::string, nlohmann::json> entries;
  const nlohmann::json document = nlohmann::json::parse(run.out);
  for (const auto& entry : document["containers"]) {
    if (entry["policy"] != "podfit") continue;
    entries[entry["workload"].get<std::string>() + "/" + entry["container"].get<std::string>()] =
        entry;
  }
  return entries;
}

}  // namespace

TEST_CASE("backtest --store trains on compacted hours and events like --samples",
          "[history][backtest][cli]") {
  TempDir dir;
  std::string trace = five_days(dir);
  std::string store = shell_quote((dir / "s.db").string());
  CommandResult imported = podfit_run("store --store " + store + " import " + shell_quote(trace));
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.err, Catch::Contains("committed 1 events"));
  CommandResult compacted =
      podfit_run("store --store " + store + " compact --now latest --raw-window 48h");
  REQUIRE(compacted.exit_code == 0);
  // 2 x 71 whole hours before the raw window, and the 09:00 hour one pod starts in
  CHECK_THAT(compacted.out, Catch::Contains("into 143 container-hours"));

  std::string flags = " backtest -o json --train 4d --test 1d --compare podfit,vpa";
  auto from_samples = podfit_entries(podfit_run(flags + " --samples " + shell_quote(trace)));
  auto from_store = podfit_entries(podfit_run(flags + " --store " + store));
  REQUIRE(from_samples.size() == 2);
  REQUIRE(from_store.size() == 2);
  for (const auto& [key, want] : from_samples) {
    INFO(key);
    REQUIRE(from_store.count(key) == 1);
    const nlohmann::json& got = from_store[key];
    // Three of the four training days are sketches: nearly all the samples count.
    CHECK(got["train_samples"].get<double>() >= 0.99 * want["train_samples"].get<double>());
    for (const char* section : {"requests", "limits"}) {
      for (const char* name : {"cpu", "memory"}) {
        INFO(section << "." << name);
        double exact = amount(want["recommended"], section, name);
        double sketched = amount(got["recommended"], section, name);
        REQUIRE(exact > 0);
        // 1% sketch error, plus the rounding up to a whole 1m or 1Mi.
        double unit = std::string(name) == "cpu" ? 0.001 : 1024.0 * 1024;
        CHECK(std::abs(sketched - exact) <= 0.01 * exact + unit);
      }
    }
    // The test day is raw in the store: it is replayed over the same samples.
    CHECK(got["test"]["samples"] == want["test"]["samples"]);
  }
  // The OOM kill at a 1Gi limit raises memory above it, from either source.
  for (auto* entries : {&from_samples, &from_store}) {
    const nlohmann::json& steady = (*entries)["trace-steady-000/app"];
    CHECK(amount(steady["recommended"], "requests", "memory") >= 1.2 * kGi);
    CHECK_THAT(steady["reason"].get<std::string>(), Catch::Contains("OOM"));
    const nlohmann::json& bursty = (*entries)["trace-bursty-001/app"];
    CHECK(amount(bursty["recommended"], "requests", "memory") < 1.0 * kGi);
  }
}

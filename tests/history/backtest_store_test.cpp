// backtest --store against backtest --samples on the same five days, the older three
// compacted: the podfit recommendations agree within the sketch error, and an OOM kill
// recorded beside the samples reaches the policy through either source. And six raw days,
// which the store's backtest folds part by part (history::load_stores_in_parts) while
// --samples keeps them exact, in the split, walk-forward and --train/--test. A --samples
// file is folded part by part too: against standard input, which is read raw.
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

// Four workloads (steady, bursty, leak, step) over six days at a minute: 8,640 points a
// series, past the 2,000 a series keeps raw.
void write_six_days(const std::string& trace) {
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families steady,bursty,leak,step --workloads 4 "
                      "--duration 6d --interval 60 --seed 11 -o " +
                      shell_quote(trace))
              .exit_code == 0);
}

double amount(const nlohmann::json& resources, const char* section, const char* name) {
  const nlohmann::json& values = resources[section];
  if (!values.contains(name)) return -1;
  auto parsed = podfit::quantity::parse(values[name].get<std::string>());
  REQUIRE(parsed);
  return parsed->value();
}

// "policy workload/container" -> entry.
std::map<std::string, nlohmann::json> entries_of(const CommandResult& run) {
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::map<std::string, nlohmann::json> entries;
  const nlohmann::json document = nlohmann::json::parse(run.out);
  for (const nlohmann::json& entry : document.at("containers")) {
    entries[entry["policy"].get<std::string>() + " " + entry["workload"].get<std::string>() + "/" +
            entry["container"].get<std::string>()] = entry;
  }
  return entries;
}

// The bounds docs/backtest.md states for a history read in parts.
void check_close(const std::map<std::string, nlohmann::json>& exact,
                 const std::map<std::string, nlohmann::json>& parts) {
  REQUIRE(parts.size() == exact.size());
  for (const auto& [key, want] : exact) {
    INFO(key);
    REQUIRE(parts.count(key) == 1);
    const nlohmann::json& got = parts.at(key);
    for (const char* section : {"requests", "limits"}) {
      for (const char* name : {"cpu", "memory"}) {
        INFO(section << "." << name);
        double expected = amount(want["recommended"], section, name);
        double sketched = amount(got["recommended"], section, name);
        REQUIRE((expected < 0) == (sketched < 0));
        if (expected < 0) continue;  // absent in both
        // The 1 % sketch error, which podfit's choice among tail levels can carry to the
        // next level: 3 %, plus the rounding up to a whole 1m or 1Mi.
        double unit = std::string(name) == "cpu" ? 0.001 : 1024.0 * 1024;
        CHECK(std::abs(sketched - expected) <= 0.03 * expected + unit);
      }
    }
    const nlohmann::json &a = want["test"], &b = got["test"];
    CHECK(b["samples"] == a["samples"]);  // every test sample replayed, none twice
    CHECK(b["days"] == a["days"]);
    CHECK(b["oom_free_days"] == a["oom_free_days"]);
    // Replayed against the same value, a share comes within half a point of the exact one
    // (a leak's share moves with its request, so unequal values are not compared).
    auto same = [&](const char* section, const char* name) {
      return amount(want["recommended"], section, name) ==
             amount(got["recommended"], section, name);
    };
    std::pair<const char*, bool> shares[] = {
        {"cpu_over_request_share", same("requests", "cpu")},
        {"memory_over_request_share", same("requests", "memory")},
        {"cpu_over_limit_share", same("limits", "cpu")},
        {"memory_over_limit_share", same("limits", "memory")}};
    for (const auto& [share, comparable] : shares) {
      INFO(share);
      if (comparable) CHECK(std::abs(b[share].get<double>() - a[share].get<double>()) <= 0.005);
    }
    // Idle moves with the request: by at most the 3 % above, and the replay's spread.
    double cpu_request = amount(want["recommended"], "requests", "cpu");
    double memory_request = amount(want["recommended"], "requests", "memory");
    CHECK(std::abs(b["cpu_idle_cores"].get<double>() - a["cpu_idle_cores"].get<double>()) <=
          0.035 * cpu_request + 0.001);
    CHECK(std::abs(b["memory_idle_bytes"].get<double>() - a["memory_idle_bytes"].get<double>()) <=
          0.035 * memory_request + 1024.0 * 1024);
  }
}

// "workload/container" -> the podfit preset's entry.
std::map<std::string, nlohmann::json> podfit_entries(const CommandResult& run) {
  std::map<std::string, nlohmann::json> entries;
  for (auto& [key, entry] : entries_of(run)) {
    if (key.rfind("podfit ", 0) == 0) entries[key.substr(7)] = entry;
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

TEST_CASE("backtest --store in parts agrees with the raw points backtested from --samples",
          "[history][backtest][cli]") {
  TempDir dir;
  std::string trace = (dir / "six.jsonl").string();
  // Six days at a minute: 8,640 points a series, all raw in the store (no compaction),
  // so the store's raw series are folded part by part while --samples keeps them exact.
  write_six_days(trace);
  std::string store = shell_quote((dir / "s.db").string());
  REQUIRE(podfit_run("store --store " + store + " import " + shell_quote(trace)).exit_code == 0);
  for (std::string mode :
       {std::string(" --split 0.5"), std::string(" --walk-forward 24h --window 3d"),
        std::string(" --train 4d --test 1d")}) {
    INFO(mode);
    std::string flags = " backtest -o json --compare podfit,vpa,krr" + mode;
    // Standard input is read raw, every point kept.
    auto exact = entries_of(podfit_run(flags + " --samples - < " + shell_quote(trace)));
    auto parts = entries_of(podfit_run(flags + " --store " + store));
    auto file_parts = entries_of(podfit_run(flags + " --samples " + shell_quote(trace)));
    REQUIRE(exact.size() == 12);
    check_close(exact, parts);
    check_close(exact, file_parts);
    // The leak's growth is projected from its trend over the whole window, which the
    // parts' merged moments keep.
    for (auto* read : {&parts, &file_parts}) {
      CHECK_THAT(read->at("podfit trace-leak-002/app")["reason"].get<std::string>(),
                 Catch::Contains("grow"));
    }
  }
}

TEST_CASE("backtest --samples FILE in parts is exact on quantized usage",
          "[history][backtest][cli]") {
  TempDir dir;
  std::string trace = (dir / "six.jsonl").string();
  std::string quantized = (dir / "quantized.jsonl").string();
  // Six days at a minute, CPU in steps of 25m and memory of 4Mi (a VM's clock and pages):
  // a few hundred values a series, which the sketches keep exactly, ties and all.
  write_six_days(trace);
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tests/history/quantize_trace.py " + shell_quote(trace) + " " +
                      shell_quote(quantized))
              .exit_code == 0);
  for (std::string mode :
       {std::string(" --split 0.5"), std::string(" --walk-forward 24h --window 3d")}) {
    INFO(mode);
    std::string flags = " backtest -o json --compare podfit,vpa,krr" + mode;
    auto exact = entries_of(podfit_run(flags + " --samples - < " + shell_quote(quantized)));
    auto parts = entries_of(podfit_run(flags + " --samples " + shell_quote(quantized)));
    REQUIRE(exact.size() == 12);
    REQUIRE(parts.size() == 12);
    for (const auto& [key, want] : exact) {
      INFO(key);
      const nlohmann::json& got = parts.at(key);
      // podfit and krr never weigh samples by age: every number is the raw one. vpa's
      // decay weighs hours on the bucket grid, so it stays within the sketch's bounds.
      if (key.rfind("vpa ", 0) == 0) continue;
      CHECK(got["recommended"] == want["recommended"]);
      CHECK_THAT(got["reason"].get<std::string>(), !Catch::Contains("sketched"));
      for (const char* measure : {"samples", "cpu_over_request", "cpu_over_limit",
                                  "memory_over_request", "memory_over_limit", "oom_free_days"}) {
        INFO(measure);
        CHECK(got["test"][measure] == want["test"][measure]);
      }
      CHECK(got["test"]["cpu_idle_cores"].get<double>() ==
            Approx(want["test"]["cpu_idle_cores"].get<double>()).epsilon(1e-9));
    }
    check_close(exact, parts);
  }
}

TEST_CASE("backtest --samples FILE: a bad line is warned about once, an empty file names itself",
          "[history][backtest][cli]") {
  TempDir dir;
  std::string trace = (dir / "six.jsonl").string();
  write_six_days(trace);
  std::string damaged = (dir / "damaged.jsonl").string();
  REQUIRE(run_command("sed '5s/.*/{\"kind\": broken/' " + shell_quote(trace) + " > " +
                      shell_quote(damaged))
              .exit_code == 0);
  // The first pass, which finds the time covered, says nothing: the second warns.
  CommandResult run = podfit_run("backtest -o json --samples " + shell_quote(damaged));
  CHECK(run.exit_code == 3);  // partial: a line was skipped
  std::size_t warned = 0;
  for (std::size_t at = run.err.find("damaged.jsonl:5:"); at != std::string::npos;
       at = run.err.find("damaged.jsonl:5:", at + 1)) {
    ++warned;
  }
  CHECK(warned == 1);
  CHECK(nlohmann::json::parse(run.out).at("containers").size() == 4);

  std::string empty = (dir / "empty.jsonl").string();
  podfit::test::write_file(empty, "");
  CommandResult none = podfit_run("backtest --samples " + shell_quote(empty));
  CHECK(none.exit_code == 4);
  CHECK_THAT(none.err, Catch::Contains("no usable samples") && Catch::Contains("empty.jsonl"));
  CHECK(none.out.empty());
}

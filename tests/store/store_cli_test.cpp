// podfit store import/export/compact/info and recommend --store, end to end,
// against numpy on a long compacted trace.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>

#include "podfit/source/recorded.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

std::string sample_app() {
  return podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl";
}

podfit::SampleSet read_samples(const std::string& path) {
  podfit::SampleSet samples;
  auto summary = podfit::source::read_recorded_file(path, samples);
  REQUIRE(summary);
  REQUIRE(summary->skipped == 0);
  samples.finalize();
  return samples;
}

// Two workloads, a week at one minute, imported and compacted but for the last 48 h.
// Returns the store's (shell-quoted) path; `trace` is the JSON Lines file.
std::string compacted_week(const TempDir& dir, std::string& trace) {
  trace = (dir / "week.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families diurnal,bursty --workloads 2 "
                      "--duration 7d --interval 60 --seed 11 -o " +
                      trace)
              .exit_code == 0);
  std::string store = shell_quote((dir / "s.db").string());
  REQUIRE(podfit_run("store --store " + store + " import " + trace).exit_code == 0);
  CommandResult compacted =
      podfit_run("store --store " + store + " compact --now latest --raw-window 48h");
  REQUIRE(compacted.exit_code == 0);
  CHECK_THAT(compacted.out, Catch::Contains("into 240 container-hours"));  // 2 x 5 days
  return store;
}

// "ns/workload/container" of a report entry.
std::string key_of(const nlohmann::json& entry) {
  return entry["namespace"].get<std::string>() + "/" + entry["workload"].get<std::string>() + "/" +
         entry["container"].get<std::string>();
}

}  // namespace

TEST_CASE("store import then export gives the samples back", "[store][cli]") {
  TempDir dir;
  std::string store = shell_quote((dir / "s.db").string());
  CommandResult imported = podfit_run("store --store " + store + " import " + sample_app());
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.err, Catch::Contains("committed 481 lines, 1239 new points of 1242"));
  CommandResult exported = podfit_run("store --store " + store + " export");
  REQUIRE(exported.exit_code == 0);
  podfit::test::write_file(dir / "out.jsonl", exported.out);
  CHECK(podfit::test::samples_text(read_samples((dir / "out.jsonl").string())) ==
        podfit::test::samples_text(read_samples(sample_app())));

  CommandResult ranged = podfit_run(
      "store --store " + store + " export --from 2024-08-23T11:00:00Z --to 2024-08-23T11:30:00Z");
  REQUIRE(ranged.exit_code == 0);
  podfit::test::write_file(dir / "range.jsonl", ranged.out);
  podfit::SampleSet range = read_samples((dir / "range.jsonl").string());
  // 3 containers polled every 15 s, with one pod that only appears later.
  CHECK(range.point_count() > 200);
  CHECK(range.point_count() < 400);
  for (const auto& series : range.series()) {
    for (const auto& point : series.points) {
      CHECK(point.time_ns >= 1724410800000000000);
      CHECK(point.time_ns < 1724412600000000000);
    }
  }

  CommandResult info = podfit_run("store --store " + store + " info");
  REQUIRE(info.exit_code == 0);
  CHECK_THAT(info.out, Catch::Contains("raw samples:    1239 from 2024-08-23T09:59:56Z"));
}

TEST_CASE("recommend --store matches recommend --samples on raw data", "[store][cli]") {
  TempDir dir;
  std::string store = shell_quote((dir / "s.db").string());
  REQUIRE(podfit_run("store --store " + store + " import " + sample_app()).exit_code == 0);
  CommandResult from_file = podfit_run("recommend -o csv --samples " + sample_app());
  CommandResult from_store = podfit_run("recommend -o csv --store " + store);
  REQUIRE(from_file.exit_code == 0);
  REQUIRE(from_store.exit_code == 0);
  CHECK(from_store.out == from_file.out);

  CommandResult both = podfit_run("recommend --samples " + sample_app() + " --store " + store);
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Catch::Contains("--samples") && Catch::Contains("--store"));
  CommandResult neither = podfit_run("recommend");
  CHECK(neither.exit_code == 2);
  CHECK_THAT(neither.err, Catch::Contains("--store PATH"));
}

TEST_CASE("recommend over a compacted week is within 1% of numpy", "[store][cli]") {
  TempDir dir;
  std::string trace;
  std::string store = compacted_week(dir, trace);

  CommandResult reference = run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                                        "/tests/store/reference_percentiles.py " + trace);
  REQUIRE(reference.exit_code == 0);
  auto expected = nlohmann::json::parse(reference.out);
  CommandResult recommended = podfit_run("recommend -o json --store " + store);
  REQUIRE(recommended.exit_code == 0);
  auto report = nlohmann::json::parse(recommended.out)["recommendations"];
  REQUIRE(report.size() == 2);
  for (const auto& entry : report) {
    std::string key = key_of(entry);
    INFO(key);
    REQUIRE(expected.contains(key));
    for (const char* resource : {"cpu", "memory"}) {
      INFO(resource);
      const auto& want = expected[key][resource];
      const auto& got = entry[resource];
      CHECK(entry["samples"].get<std::size_t>() == want["count"].get<std::size_t>());
      CHECK(got["max"].get<double>() == want["max"].get<double>());
      CHECK(got["mean"].get<double>() == Approx(want["mean"].get<double>()).epsilon(1e-9));
      const char* names[] = {"p50", "p90", "p95", "p99"};
      for (int i = 0; i < 4; ++i) {
        double lower = want["lower"][i].get<double>();
        CHECK(std::abs(got[names[i]].get<double>() - lower) <= 0.01 * lower + 1e-12);
      }
    }
    CHECK(entry["window_seconds"].get<double>() > 6.9 * 86400);
  }
}

// Every point weighs what its hour's midpoint would: the raw hours of a container with
// compacted ones are folded as they are read (a raw window of -1 h makes the reference
// weigh them so, the open hour too).
TEST_CASE("decay over a compacted week weighs each compacted hour by its own age",
          "[store][cli][decay]") {
  TempDir dir;
  std::string trace;
  std::string store = compacted_week(dir, trace);
  CommandResult reference =
      run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                  "/tests/store/reference_percentiles.py " + trace + " --neff 43200 -3600");
  REQUIRE(reference.exit_code == 0);
  auto expected = nlohmann::json::parse(reference.out);
  CommandResult recommended = podfit_run("recommend -o json --half-life 12h --store " + store);
  REQUIRE(recommended.exit_code == 0);
  auto report = nlohmann::json::parse(recommended.out)["recommendations"];
  REQUIRE(report.size() == 2);
  for (const auto& entry : report) {
    std::string key = key_of(entry);
    INFO(key);
    REQUIRE(expected.contains(key));
    CHECK(entry["half_life_seconds"].get<double>() == 43200);
    // 7 days of minutes is 10,080 samples; a 12 h half-life leaves about 2,000.
    CHECK(entry["effective_samples"].get<double>() ==
          Approx(expected[key].get<double>()).epsilon(1e-9));
    CHECK(entry["effective_samples"].get<double>() < 2500);
  }
}

// One PodMetricsList line per time, for the two tests below.
static std::string metrics_lines(std::initializer_list<const char*> times) {
  std::string lines;
  for (const char* time : times) {
    lines +=
        std::string(R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1",)") +
        R"("metadata":{},"items":[{"metadata":{"name":"a-5d8f7c9b6d-x2k9p","namespace":"n"},)" +
        R"("timestamp":")" + time + R"(","window":"15s","containers":[{"name":"c",)" +
        R"("usage":{"cpu":"5m","memory":"10Mi"}}]}]})" + "\n";
  }
  return lines;
}

TEST_CASE("samples before 1970 are refused, a damaged store holding some still compacts",
          "[store][cli]") {
  TempDir dir;
  std::string old_samples = (dir / "old.jsonl").string();
  podfit::test::write_file(old_samples,
                           metrics_lines({"1969-12-31T23:58:00Z", "2262-01-01T00:00:00Z"}));
  std::string store = shell_quote((dir / "s.db").string());
  CommandResult refused =
      podfit_run("store import " + shell_quote(old_samples) + " --store " + store);
  CHECK(refused.exit_code == 3);  // both lines reported and skipped
  CHECK_THAT(refused.err, Catch::Contains("old.jsonl:1: n/a-5d8f7c9b6d-x2k9p: "));
  CHECK_THAT(refused.err, Catch::Contains("timestamp \"1969-12-31T23:58:00Z\": before 1970 or "
                                          "after 2199, which podfit does not support"));
  CHECK_THAT(refused.err, Catch::Contains("old.jsonl:2:"));

  // Moved back two hours behind podfit's back: 1969-12-31T22:58 and 22:59.
  std::string samples = (dir / "new.jsonl").string();
  podfit::test::write_file(samples,
                           metrics_lines({"1970-01-01T00:58:00Z", "1970-01-01T00:59:00Z"}));
  REQUIRE(podfit_run("store import " + shell_quote(samples) + " --store " + store).exit_code == 0);
  REQUIRE(run_command(podfit::test::python() + " -c \"import sqlite3; c = sqlite3.connect('" +
                      (dir / "s.db").string() +
                      "'); c.execute('UPDATE samples SET time_ns = time_ns - 7200000000000'); "
                      "c.commit()\"")
              .exit_code == 0);
  // The hour 1969-12-31T22:00 was computed as 1970-01-01T00:00 and compact looped forever.
  CommandResult compacted = run_command("timeout 30 " + shell_quote(podfit::test::podfit_binary()) +
                                        " store compact --store " + store +
                                        " --now 1970-01-03T00:00:00Z --raw-window 1h");
  INFO(compacted.err);
  REQUIRE(compacted.exit_code == 0);
  CHECK_THAT(compacted.out, Catch::Contains("compacted 2 points into 1 container-hours"));
}

TEST_CASE("compaction counts the raw hours it drops past the retention", "[store][cli]") {
  TempDir dir;
  std::string trace = (dir / "four.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families steady --workloads 2 --duration 4d "
                      "--interval 60 --seed 3 -o " +
                      shell_quote(trace))
              .exit_code == 0);
  std::string store = shell_quote((dir / "s.db").string());
  REQUIRE(podfit_run("store import " + shell_quote(trace) + " --store " + store).exit_code == 0);
  // Raw for the last 24 h; sketches kept 2 days: the first day's raw hours go unsketched.
  CommandResult compacted = podfit_run("store compact --store " + store +
                                       " --now latest --raw-window 24h --retention 2d");
  REQUIRE(compacted.exit_code == 0);
  std::smatch match;
  std::string out = compacted.out;
  REQUIRE(std::regex_search(out, match,
                            std::regex(R"(compacted (\d+) points into (\d+) container-hours; )"
                                       R"(dropped (\d+) container-hours \((\d+) of them raw, )"
                                       R"((\d+) points never sketched\))")));
  long dropped_points = std::stol(match[5]);
  long sketched = std::stol(match[1]) - dropped_points;  // "compacted" counts both
  CHECK(std::stol(match[3]) == std::stol(match[4]));     // nothing was sketched before
  CHECK(dropped_points > 2 * 23 * 60);                   // about a day of two containers
  CommandResult info = podfit_run("store info --store " + store);
  REQUIRE(std::regex_search(info.out, match, std::regex(R"(raw samples:\s+(\d+))")));
  long raw = std::stol(match[1]);
  CHECK(raw + sketched + dropped_points == 4 * 1440 * 2);  // every imported point accounted for
}

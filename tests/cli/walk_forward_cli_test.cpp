// backtest --walk-forward end to end: the flags, the mode in each writer, the errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::shell_quote;

namespace {

std::string samples() {
  return shell_quote(podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl");
}

}  // namespace

TEST_CASE("backtest --walk-forward replays interval by interval in every writer", "[cli]") {
  // The sample app's recording covers 2 h: 30-minute intervals replay three of them.
  CommandResult json = podfit_run("backtest --samples " + samples() +
                                  " --walk-forward 30m --window 1h --compare podfit,krr -o json");
  INFO(json.err);
  REQUIRE(json.exit_code == 0);
  auto document = nlohmann::json::parse(json.out);
  CHECK(document["mode"]["mode"] == "walk-forward");
  CHECK(document["mode"]["interval_seconds"] == 1800);
  CHECK(document["mode"]["window_seconds"] == 3600);
  CHECK(document["mode"]["intervals"].get<int>() >= 3);
  // The split starts one interval after the first sample.
  CHECK(document["split"]["split_ns"].get<std::int64_t>() -
            document["split"]["train_begin_ns"].get<std::int64_t>() ==
        1800LL * 1000000000);
  for (const auto& container : document["containers"]) {
    INFO(container.dump());
    const auto& test = container["test"];
    REQUIRE(test.is_object());
    CHECK(test["days"].get<int>() >= 1);
    CHECK(test["oom_free_days"].get<int>() <= test["days"].get<int>());
    CHECK(test["cpu_request_relative_slack"].get<double>() >= 0);
    CHECK(test["cpu_request_relative_slack"].get<double>() <= 1);
    CHECK(container["changes"].get<int>() >= 0);
  }

  CommandResult table =
      podfit_run("backtest --samples " + samples() + " --walk-forward 30m --window 1h");
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("# walk-forward: every 30m from the trailing 1h, ", 0) == 0);
  CHECK_THAT(table.out, Catch::Contains("OOM-FREE DAYS") && Catch::Contains("CHANGES"));
  CommandResult markdown =
      podfit_run("backtest --samples " + samples() + " --walk-forward 30m --window 1h -o markdown");
  REQUIRE(markdown.exit_code == 0);
  CHECK(markdown.out.rfind("walk-forward: every 30m from the trailing 1h, ", 0) == 0);
  CHECK_THAT(markdown.out, Catch::Contains("| SLACK CPU R/L |"));
}

TEST_CASE("backtest --walk-forward refuses what it cannot do", "[cli]") {
  CommandResult both =
      podfit_run("backtest --samples " + samples() + " --walk-forward 24h --train 1h --test 1h");
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Catch::Contains("--walk-forward replaces --train and --test"));
  CommandResult bad = podfit_run("backtest --samples " + samples() + " --walk-forward soon");
  CHECK(bad.exit_code == 2);
  CommandResult too_long = podfit_run("backtest --samples " + samples() + " --walk-forward 7d");
  CHECK(too_long.exit_code == 4);  // could not do the job (docs/exit-codes.md)
  CHECK_THAT(too_long.err, Catch::Contains("less than one --walk-forward interval"));
  CommandResult window =
      podfit_run("backtest --samples " + samples() + " --walk-forward 30m --window 0");
  CHECK(window.exit_code == 2);
}

// The range is cut before anything is asked, so no server is needed (nothing listens on port 9).
TEST_CASE("backtest --prometheus refuses a bad --step or --history before any query", "[cli]") {
  const std::string prometheus = "backtest --prometheus http://127.0.0.1:9";
  CommandResult short_history = podfit_run(prometheus + " --history 1m --step 5m");
  CHECK(short_history.exit_code == 2);
  CHECK_THAT(short_history.err,
             Catch::Contains("--step must be at least 1ms and --history at least one step"));
  CommandResult tiny_step = podfit_run(prometheus + " --history 1h --step 0.0001s");
  CHECK(tiny_step.exit_code == 2);
  CHECK_THAT(tiny_step.err, Catch::Contains("--step must be at least 1ms"));
  CommandResult bad_step = podfit_run(prometheus + " --step soon");
  CHECK(bad_step.exit_code == 2);
  CHECK_THAT(bad_step.err, Catch::Contains("--step"));
  CHECK(short_history.out.empty());
}

// --half-life end to end: podfit against an independent numpy computation
// (tests/cli/reference_decay.py) and the confidence fields in every format.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <random>
#include <sstream>
#include <string>

#include "podfit/quantity/quantity.hpp"
#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

std::string rfc3339(std::int64_t seconds) {
  std::time_t time = seconds;
  std::tm parts{};
  gmtime_r(&time, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

// Six days of a two-container Deployment, a point every 15 min. CPU of "app" falls from
// ~400m to ~100m after day 3 (with a rollout to a new pod); "cache" memory climbs slowly.
std::string changed_load_jsonl() {
  std::mt19937 random(11);
  std::uniform_real_distribution<double> noise(0.8, 1.2);
  std::ostringstream out;
  const std::int64_t start = 1'790'000'000, step = 900;
  for (std::int64_t i = 0; i < 6 * 96; ++i) {
    bool old = i < 3 * 96;
    std::string hash = old ? "7d9f8c6b5d" : "5c8d7f9b6z";
    std::string pod = "shop-api-" + hash + (old ? "-x7k2q" : "-m4n9p");
    auto cpu = static_cast<long long>((old ? 400e6 : 100e6) * noise(random));
    auto app_memory = static_cast<long long>(200'000 * noise(random));
    auto cache_cpu = static_cast<long long>(20e6 * noise(random));
    auto cache_memory = static_cast<long long>((50'000 + 40 * i) * noise(random));
    out << R"({"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":")"
        << pod << R"(","namespace":"shop","labels":{"app":"shop-api","pod-template-hash":")" << hash
        << R"("}},"timestamp":")" << rfc3339(start + i * step)
        << R"(","window":"30s","containers":[{"name":"app","usage":{"cpu":")" << cpu
        << R"(n","memory":")" << app_memory << R"(Ki"}},{"name":"cache","usage":{"cpu":")"
        << cache_cpu << R"(n","memory":")" << cache_memory << R"(Ki"}}]})" << '\n';
  }
  return out.str();
}

double amount(const nlohmann::json& value) {
  auto parsed = podfit::quantity::parse(value.get<std::string>());
  REQUIRE(parsed);
  return parsed->value();
}

bool accepted(double value, const nlohmann::json& accept) {
  return std::any_of(accept.begin(), accept.end(),
                     [&](const nlohmann::json& want) { return want.get<double>() == value; });
}

// podfit recommend -o json --half-life against reference_decay.py on the same file.
void compare_with_reference(const std::string& samples, const std::string& half_life,
                            double half_life_seconds, std::size_t containers) {
  CommandResult reference =
      run_command(podfit::test::python() + " " +
                  shell_quote(podfit::test::source_dir() + "/tests/cli/reference_decay.py") + " " +
                  std::to_string(half_life_seconds) + " " + shell_quote(samples));
  INFO(reference.err);
  REQUIRE(reference.exit_code == 0);
  auto expected = nlohmann::json::parse(reference.out);
  CommandResult run = podfit_run("recommend -o json --half-life " + half_life + " --samples " +
                                 shell_quote(samples));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto actual = nlohmann::json::parse(run.out)["recommendations"];
  REQUIRE(actual.size() == containers);
  REQUIRE(expected.size() == containers);
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const auto& got = actual[i];
    const auto& want = expected[i];
    INFO(want.dump());
    INFO(got.dump());
    CHECK(got["container"] == want["container"]);
    CHECK(got["samples"] == want["samples"]);
    CHECK(got["half_life_seconds"].get<double>() == half_life_seconds);
    CHECK(got["effective_samples"].get<double>() ==
          Approx(want["effective_samples"].get<double>()).epsilon(1e-9));
    CHECK(got["window_seconds"].get<double>() == Approx(want["window_seconds"].get<double>()));
    for (const char* resource : {"cpu", "memory"}) {
      const auto& stats = got[resource];
      CHECK(stats["mean"].get<double>() ==
            Approx(want[resource]["mean"].get<double>()).epsilon(1e-9));
      CHECK(stats["max"].get<double>() == want[resource]["max"].get<double>());
      for (const char* q : {"p50", "p90", "p95", "p99"}) {
        INFO(resource << " " << q);
        CHECK(accepted(stats[q].get<double>(), want[resource][q]));
      }
    }
    const auto& recommended = got["recommended"];
    if (want.contains("cpu_request")) {
      CHECK(amount(recommended["requests"]["cpu"]) == Approx(want["cpu_request"].get<double>()));
      CHECK(amount(recommended["limits"]["cpu"]) == Approx(want["cpu_limit"].get<double>()));
    }
    if (want.contains("memory_request")) {
      CHECK(amount(recommended["requests"]["memory"]) ==
            Approx(want["memory_request"].get<double>()));
      CHECK(amount(recommended["limits"]["memory"]) == Approx(want["memory_limit"].get<double>()));
    }
  }
}

}  // namespace

TEST_CASE("recommend --half-life agrees with numpy on a load that changed", "[cli][decay]") {
  TempDir dir;
  podfit::test::write_file(dir / "shop.jsonl", changed_load_jsonl());
  compare_with_reference((dir / "shop.jsonl").string(), "24h", 86400, 2);
  compare_with_reference((dir / "shop.jsonl").string(), "6h", 21600, 2);
}

TEST_CASE("recommend --half-life agrees with numpy on the sample app", "[cli][decay]") {
  compare_with_reference(podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl", "20m",
                         1200, 2);
}

TEST_CASE("half-life flag lowers the CPU request after the load fell, limits keep the peak",
          "[cli][decay]") {
  TempDir dir;
  podfit::test::write_file(dir / "shop.jsonl", changed_load_jsonl());
  std::string samples = " --samples " + shell_quote((dir / "shop.jsonl").string());
  CommandResult flat = podfit_run("recommend -o json" + samples);
  CommandResult decayed = podfit_run("recommend -o json --half-life 6h" + samples);
  REQUIRE(flat.exit_code == 0);
  REQUIRE(decayed.exit_code == 0);
  auto before = nlohmann::json::parse(flat.out)["recommendations"][0];
  auto after = nlohmann::json::parse(decayed.out)["recommendations"][0];
  REQUIRE(before["container"] == "app");
  // Unweighted, half the samples are ~400m: p90 is old. At a 6 h half-life the old level
  // keeps a few percent of the weight: p50 and p90 follow the recent ~100m, and so does
  // the (cost-based, from p90 up) request. (At 24 h, p90 stays at the old level's bottom.)
  CHECK(before["cpu"]["p90"].get<double>() > 0.4);
  CHECK(after["cpu"]["p50"].get<double>() < 0.12);
  CHECK(amount(after["recommended"]["requests"]["cpu"]) <
        amount(before["recommended"]["requests"]["cpu"]));
  CHECK(after["cpu"]["max"] == before["cpu"]["max"]);
  CHECK(after["recommended"]["limits"]["cpu"] == before["recommended"]["limits"]["cpu"]);
  CHECK(before["effective_samples"].get<double>() == before["samples"].get<double>());
  CHECK(before["half_life_seconds"].get<double>() == 0);
  CHECK(after["reason"].get<std::string>().find("percentiles weighted by half-life 6h0m0s: ") !=
        std::string::npos);
}

TEST_CASE("half-life from a policy file equals the flag, bad values are usage errors",
          "[cli][decay]") {
  TempDir dir;
  podfit::test::write_file(dir / "shop.jsonl", changed_load_jsonl());
  podfit::test::write_file(dir / "policy.yaml", "half-life: 24h\n");
  std::string samples = " --samples " + shell_quote((dir / "shop.jsonl").string());
  CommandResult flag = podfit_run("recommend -o json --half-life 24h" + samples);
  CommandResult file = podfit_run("recommend -o json --policy " +
                                  shell_quote((dir / "policy.yaml").string()) + samples);
  REQUIRE(flag.exit_code == 0);
  CHECK(file.out == flag.out);
  CommandResult off = podfit_run("recommend -o json --half-life off" + samples);
  CommandResult none = podfit_run("recommend -o json" + samples);
  CHECK(off.out == none.out);
  CommandResult bad = podfit_run("recommend --half-life 2days" + samples);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("half-life: \"2days\" is not valid") != std::string::npos);
  podfit::test::write_file(dir / "bad.yaml", "half-life: -1h\n");
  CommandResult bad_file =
      podfit_run("recommend --policy " + shell_quote((dir / "bad.yaml").string()) + samples);
  CHECK(bad_file.exit_code == 4);
  CHECK(bad_file.err.find("half-life") != std::string::npos);
}

TEST_CASE("confidence: samples, time and effective samples in table, CSV and Markdown",
          "[cli][decay]") {
  TempDir dir;
  podfit::test::write_file(dir / "shop.jsonl", changed_load_jsonl());
  std::string samples = " --samples " + shell_quote((dir / "shop.jsonl").string());
  CommandResult table = podfit_run("recommend --half-life 24h" + samples);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("576/143h45m eff 2") != std::string::npos);  // about 268
  CHECK(table.out.find("from 2 pods (max not decayed)") != std::string::npos);
  CommandResult plain = podfit_run("recommend" + samples);
  CHECK(plain.out.find(" eff ") == std::string::npos);
  CommandResult markdown = podfit_run("recommend -o markdown --half-life 24h" + samples);
  CHECK(markdown.out.find("| 576/143h45m eff 2") != std::string::npos);
  CommandResult csv = podfit_run("recommend -o csv --half-life 24h" + samples);
  REQUIRE(csv.exit_code == 0);
  std::string header = csv.out.substr(0, csv.out.find('\n'));
  CHECK(header.find(",reason,effective_samples,half_life_seconds\r") != std::string::npos);
  CHECK(csv.out.find(",86400\r\n") != std::string::npos);
  CommandResult csv_plain = podfit_run("recommend -o csv" + samples);
  CHECK(csv_plain.out.find(",576,0\r\n") != std::string::npos);  // effective = samples, no decay
}

TEST_CASE("too few effective samples: no recommendation, and the reason says why", "[cli][decay]") {
  TempDir dir;
  podfit::test::write_file(dir / "shop.jsonl", changed_load_jsonl());
  // A 15 min half-life on 15 min steps: about 3 effective samples of 576.
  CommandResult run = podfit_run("recommend -o json --half-life 15m --samples " +
                                 shell_quote((dir / "shop.jsonl").string()));
  REQUIRE(run.exit_code == 0);
  auto first = nlohmann::json::parse(run.out)["recommendations"][0];
  CHECK_FALSE(first["has_recommendation"].get<bool>());
  CHECK(first["reason"].get<std::string>().rfind("only 3 effective samples of 576 at half-life "
                                                 "15m0s (need 20)",
                                                 0) == 0);
}

TEST_CASE("backtest --half-life trains on decayed statistics", "[cli][decay]") {
  TempDir dir;
  podfit::test::write_file(dir / "shop.jsonl", changed_load_jsonl());
  std::string samples = " --samples " + shell_quote((dir / "shop.jsonl").string());
  CommandResult run = podfit_run("backtest -o json --split 0.75 --half-life 12h" + samples);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out != podfit_run("backtest -o json --split 0.75" + samples).out);
}

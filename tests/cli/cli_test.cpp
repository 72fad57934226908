// End-to-end tests of the podfit binary on the seed's sample app.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include "podfit/quantity/quantity.hpp"
#include "support/support.hpp"

namespace fs = std::filesystem;
using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

std::string fixture(const std::string& name) {
  return podfit::test::source_dir() + "/fixtures/sample-app/" + name;
}

double amount(const nlohmann::json& value) {
  auto parsed = podfit::quantity::parse(value.get<std::string>());
  REQUIRE(parsed);
  return parsed->value();
}

// A copy of the sample app's manifests to edit.
fs::path copy_manifests(const TempDir& dir) {
  fs::path target = dir / "kubernetes";
  fs::copy(fixture("kubernetes"), target, fs::copy_options::recursive);
  return target;
}

}  // namespace

TEST_CASE("recommend -o json agrees with an independent numpy computation", "[cli]") {
  CommandResult reference =
      run_command(podfit::test::python() + " " +
                  shell_quote(podfit::test::source_dir() + "/tests/cli/reference_recommend.py") +
                  " " + shell_quote(fixture("samples.jsonl")));
  REQUIRE(reference.exit_code == 0);
  auto expected = nlohmann::json::parse(reference.out);

  CommandResult run =
      podfit_run("recommend -o json --samples " + shell_quote(fixture("samples.jsonl")) + " -f " +
                 shell_quote(fixture("kubernetes")));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto actual = nlohmann::json::parse(run.out)["recommendations"];
  REQUIRE(actual.size() == expected.size());
  REQUIRE(actual.size() == 2);

  for (std::size_t i = 0; i < actual.size(); ++i) {
    const auto& got = actual[i];
    const auto& want = expected[i];
    INFO(want.dump());
    CHECK(got["namespace"] == want["namespace"]);
    CHECK(got["kind"] == "Deployment");
    CHECK(got["workload"] == want["workload"]);
    CHECK(got["container"] == want["container"]);
    CHECK(got["samples"] == want["samples"]);
    for (const char* resource : {"cpu", "memory"}) {
      for (const char* stat : {"mean", "p50", "p90", "p95", "p99", "max"}) {
        CHECK(got[resource][stat].get<double>() ==
              Approx(want[resource][stat].get<double>()).epsilon(1e-9));
      }
    }
    const auto& recommended = got["recommended"];
    CHECK(amount(recommended["requests"]["cpu"]) == Approx(want["cpu_request"].get<double>()));
    CHECK(amount(recommended["limits"]["cpu"]) == Approx(want["cpu_limit"].get<double>()));
    CHECK(amount(recommended["requests"]["memory"]) ==
          Approx(want["memory_request"].get<double>()));
    CHECK(amount(recommended["limits"]["memory"]) == Approx(want["memory_limit"].get<double>()));
  }
  // The hand-tuned values of the article are what the manifests hold now.
  CHECK(actual[0]["current"]["requests"]["cpu"] == "1m");
  CHECK(actual[0]["current"]["limits"]["memory"] == "6Mi");
  CHECK(actual[1]["current"]["requests"]["memory"] == "24Mi");
}

// A p80 floor: the plain p80 (cost 0), and the cost-based level from p80 up, which at a
// low cost lands between p80 and p90; both against numpy. For node-api numpy gives 26m
// (plain p80), 29m (from p80 up at cost 0.05) and 30m (from the p90 floor at 0.05).
TEST_CASE("a cpu-request-percentile of 80 agrees with numpy both plain and cost-based", "[cli]") {
  TempDir dir;
  for (auto [cost, node_api] : {std::pair{"0", "26m"}, std::pair{"0.05", "29m"}}) {
    INFO("cost " << cost);
    fs::path policy = dir / (std::string("p80-") + cost + ".yaml");
    podfit::test::write_file(policy, std::string("cpu-request-percentile: 80\n") +
                                         "cpu-request-exceedance-cost: " + cost + "\n");
    CommandResult reference =
        run_command(podfit::test::python() + " " +
                    shell_quote(podfit::test::source_dir() + "/tests/cli/reference_recommend.py") +
                    " --cpu-floor 80 --cost " + cost + " " + shell_quote(fixture("samples.jsonl")));
    REQUIRE(reference.exit_code == 0);
    auto expected = nlohmann::json::parse(reference.out);
    CommandResult run = podfit_run("recommend -o json --policy " + shell_quote(policy.string()) +
                                   " --samples " + shell_quote(fixture("samples.jsonl")));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    auto actual = nlohmann::json::parse(run.out)["recommendations"];
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      CHECK(amount(actual[i]["recommended"]["requests"]["cpu"]) ==
            Approx(expected[i]["cpu_request"].get<double>()));
    }
    CHECK(actual[1]["recommended"]["requests"]["cpu"] == node_api);
  }
}

TEST_CASE("patch prints a diff that git apply turns into what --write writes", "[cli]") {
  TempDir dir;
  fs::path manifests = copy_manifests(dir);
  std::string args = "--samples " + shell_quote(fixture("samples.jsonl")) + " -f kubernetes";
  std::string in_dir = "cd " + shell_quote(dir.path().string()) + " && ";

  CommandResult diff =
      run_command(in_dir + shell_quote(podfit::test::podfit_binary()) + " patch " + args);
  INFO(diff.err);
  REQUIRE(diff.exit_code == 0);
  REQUIRE(diff.out.find("diff --git a/kubernetes/02-sample-node-api.deployment.yaml") !=
          std::string::npos);
  REQUIRE(diff.out.find("\x1b[") == std::string::npos);  // no colour off a terminal
  // Each number is explained in comment lines before its file's diff.
  CHECK(diff.out.find("# sample/Deployment/sample-app-node-api-deployment container "
                      "sample-app-node-api (") != std::string::npos);
  CHECK(diff.out.find("\n#   memory limit ") != std::string::npos);
  podfit::test::write_file(dir / "change.diff", diff.out);

  // Apply the printed diff to a second copy with git, then --write the first.
  fs::path applied = dir / "applied";
  fs::create_directory(applied);
  fs::copy(manifests, applied / "kubernetes", fs::copy_options::recursive);
  CommandResult git_apply =
      run_command("cd " + shell_quote(applied.string()) + " && git apply ../change.diff");
  INFO(git_apply.err);
  REQUIRE(git_apply.exit_code == 0);
  CommandResult patch_tool = run_command("cd " + shell_quote(manifests.string()) +
                                         "/.. && patch -p1 --dry-run < change.diff");
  INFO(patch_tool.out);
  CHECK(patch_tool.exit_code == 0);

  CommandResult check =
      run_command(in_dir + shell_quote(podfit::test::podfit_binary()) + " patch --check " + args);
  CHECK(check.exit_code == 1);

  CommandResult write =
      run_command(in_dir + shell_quote(podfit::test::podfit_binary()) + " patch --write " + args);
  REQUIRE(write.exit_code == 0);
  for (const char* name :
       {"02-sample-node-api.deployment.yaml", "02-sample-nginx-web.deployment.yaml",
        "00-sample.namespace.yaml", "03-sample-node-api.service.yaml"}) {
    INFO(name);
    CHECK(podfit::test::read_file(manifests / name) ==
          podfit::test::read_file(applied / "kubernetes" / name));
  }
  // Only resource lines changed: every other line of the original is still there in order.
  std::string before =
      podfit::test::read_file(fixture("kubernetes/02-sample-node-api.deployment.yaml"));
  std::string after = podfit::test::read_file(manifests / "02-sample-node-api.deployment.yaml");
  CHECK(before != after);
  CHECK(std::count(before.begin(), before.end(), '\n') ==
        std::count(after.begin(), after.end(), '\n'));

  // Once written, the numbers hold: a second run proposes nothing.
  CommandResult again =
      run_command(in_dir + shell_quote(podfit::test::podfit_binary()) + " patch --check " + args);
  CHECK(again.exit_code == 0);
  CHECK(again.out.empty());
}

TEST_CASE("a broken manifest is reported with file:line and the others are still patched",
          "[cli]") {
  TempDir dir;
  fs::path manifests = copy_manifests(dir);
  const std::string broken = "apiVersion: v1\nkind: Deployment: x\nmetadata:\n  name: a\n";
  podfit::test::write_file(manifests / "04-broken.yaml", broken);
  podfit::test::write_file(manifests / "05-chart.yaml",
                           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                           "  name: {{ .Release.Name }}\n");
  CommandResult run = podfit_run("patch --samples " + shell_quote(fixture("samples.jsonl")) +
                                 " -f " + shell_quote(manifests.string()));
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("04-broken.yaml:2") != std::string::npos);
  CHECK(run.err.find("05-chart.yaml:4") != std::string::npos);
  CHECK(run.out.find("02-sample-node-api.deployment.yaml") != std::string::npos);
  CHECK(podfit::test::read_file(manifests / "04-broken.yaml") == broken);
  // docs/exit-codes.md: a skipped input outranks "a change is proposed".
  CommandResult check =
      podfit_run("patch --check --samples " + shell_quote(fixture("samples.jsonl")) + " -f " +
                 shell_quote(manifests.string()));
  CHECK(check.exit_code == 3);
  CHECK(check.out.find("02-sample-node-api.deployment.yaml") != std::string::npos);
}

TEST_CASE("malformed sample lines are reported with file:line and skipped", "[cli]") {
  TempDir dir;
  std::string samples = podfit::test::read_file(fixture("samples.jsonl"));
  std::size_t second_line = samples.find('\n') + 1;
  samples.insert(second_line, "{\"kind\": \"PodMetricsList\", \"items\": [\n");
  podfit::test::write_file(dir / "samples.jsonl", samples);
  CommandResult run =
      podfit_run("recommend -o json --samples " + shell_quote((dir / "samples.jsonl").string()));
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("samples.jsonl:2:") != std::string::npos);
  CHECK(run.err.find("skipped 1 of") != std::string::npos);
  auto report = nlohmann::json::parse(run.out);
  CHECK(report["recommendations"].size() == 2);
}

TEST_CASE("samples can come from standard input", "[cli]") {
  CommandResult run =
      run_command(shell_quote(podfit::test::podfit_binary()) + " recommend -o csv --samples - < " +
                  shell_quote(fixture("samples.jsonl")));
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("sample-app-node-api") != std::string::npos);
}

TEST_CASE("command-line and input errors map to the documented exit codes", "[cli]") {
  std::string samples = shell_quote(fixture("samples.jsonl"));
  SECTION("unknown flag is a usage error") {
    CHECK(podfit_run("recommend --samples " + samples + " --bogus").exit_code == 2);
  }
  SECTION("--samples is required") {
    CHECK(podfit_run("recommend").exit_code == 2);
  }
  SECTION("a bad policy flag value is a usage error naming it") {
    CommandResult run = podfit_run("recommend --samples " + samples + " --cpu-limit sometimes");
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("cpu-limit") != std::string::npos);
  }
  SECTION("a missing samples file is fatal and named") {
    CommandResult run = podfit_run("recommend --samples /nonexistent/samples.jsonl");
    CHECK(run.exit_code == 4);
    CHECK(run.err.find("/nonexistent/samples.jsonl") != std::string::npos);
  }
  SECTION("patch without manifests is a usage error") {
    CHECK(podfit_run("patch --samples " + samples).exit_code == 2);
  }
  SECTION("a missing manifest path is fatal and named") {
    CommandResult run = podfit_run("patch --samples " + samples + " -f /nonexistent/dir");
    CHECK(run.exit_code == 4);
    CHECK(run.err.find("/nonexistent/dir") != std::string::npos);
  }
}

TEST_CASE("patch with --cpu-limit none removes CPU limits in the diff", "[cli]") {
  TempDir dir;
  fs::path manifests = copy_manifests(dir);
  CommandResult run =
      podfit_run("patch --write --cpu-limit none --samples " +
                 shell_quote(fixture("samples.jsonl")) + " -f " + shell_quote(manifests.string()));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("-              cpu: 10m") != std::string::npos);
  std::string after = podfit::test::read_file(manifests / "02-sample-node-api.deployment.yaml");
  std::size_t limits = after.find("limits:");
  REQUIRE(limits != std::string::npos);
  CHECK(after.find("memory:", limits) != std::string::npos);
  CHECK(after.find("cpu:", limits) == std::string::npos);
}

TEST_CASE("an OOM kill collect recorded beside the samples raises memory above that limit",
          "[cli]") {
  TempDir dir;
  fs::copy(fixture("samples.jsonl"), dir / "samples.jsonl");
  // What `collect` writes to <samples>.events.jsonl when it sees an OOMKilled container.
  podfit::test::write_file(
      dir / "samples.jsonl.events.jsonl",
      "{\"kind\":\"ContainerEvent\",\"namespace\":\"sample\","
      "\"pod\":\"sample-app-node-api-deployment-66d8f9d56-9tz5f\","
      "\"container\":\"sample-app-node-api\",\"restartCount\":1,\"reason\":\"OOMKilled\","
      "\"finishedAt\":\"2024-08-23T10:30:00Z\",\"memoryLimit\":\"100Mi\"}\n");
  CommandResult run =
      podfit_run("recommend -o json --samples " + shell_quote((dir / "samples.jsonl").string()));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto all = nlohmann::json::parse(run.out)["recommendations"];
  REQUIRE(all.size() == 2);
  const auto& api = all[1]["workload"] == "sample-app-node-api-deployment" ? all[1] : all[0];
  const auto& web = all[1]["workload"] == "sample-app-node-api-deployment" ? all[0] : all[1];
  CHECK(api["events"]["oom_kills"] == 1);
  CHECK(api["events"]["restarts"] == 1);
  // 100Mi x 1.2 = 120Mi: above what the samples alone give (about 59Mi and 65Mi).
  CHECK(api["recommended"]["requests"]["memory"] == "120Mi");
  CHECK(api["recommended"]["limits"]["memory"] == "120Mi");
  CHECK(web["events"]["oom_kills"] == 0);
  CHECK(web["recommended"]["limits"]["memory"] == "8Mi");
}

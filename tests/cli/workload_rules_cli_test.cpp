// The rules that read the workload (docs/policy.md), end to end on fixtures/workload-rules:
// every number against a hand computation (the p90 of runs against numpy), the diff applied
// by git, the HPA patches judged by kubectl, and every other byte of the files kept.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

// The fixture copied into `dir`, with its samples generated there.
void prepare(const TempDir& dir) {
  const std::string fixture = podfit::test::source_dir() + "/fixtures/workload-rules/";
  for (const char* name : {"app.yaml", "hpa.yaml", "policy.yaml"}) {
    std::filesystem::copy_file(fixture + name, dir / name);
  }
  CommandResult made =
      run_command(podfit::test::python() + " " + shell_quote(fixture + "make_samples.py") + " > " +
                  shell_quote((dir / "s.jsonl").string()));
  REQUIRE(made.exit_code == 0);
}

CommandResult podfit_in(const TempDir& dir, const std::string& args) {
  return run_command("cd " + shell_quote(dir.path().string()) + " && " +
                     shell_quote(podfit::test::podfit_binary()) + " " + args);
}

const char* const kInputs = "--samples s.jsonl -f app.yaml -f hpa.yaml --policy policy.yaml";

using Recommendations = std::map<std::string, nlohmann::json>;  // "workload/container"

Recommendations recommend(const TempDir& dir) {
  CommandResult run = podfit_in(dir, std::string("recommend -o json ") + kInputs);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  Recommendations by_name;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  for (const auto& entry : report["recommendations"]) {
    by_name[entry["workload"].get<std::string>() + "/" + entry["container"].get<std::string>()] =
        entry;
  }
  return by_name;
}

std::string at(const nlohmann::json& r, const char* section, const char* resource) {
  const auto& value = r["recommended"][section][resource];
  return value.is_string() ? value.get<std::string>() : "-";
}

}  // namespace

TEST_CASE("HPA targets keep the scaling point, or the request stays in bounds", "[cli][rules]") {
  TempDir dir;
  prepare(dir);
  Recommendations all = recommend(dir);
  // web: nginx 150m x 1.15 = 173m, its Istio proxy 60m x 1.15 = 69m; the pod asked for
  // 200m + 100m (the proxyCPU annotation), so 60% becomes 60 x 300 / 242 = 74.4 -> 74%.
  const auto& proxy = all.at("web/istio-proxy");
  CHECK(at(all.at("web/nginx"), "requests", "cpu") == "173m");
  CHECK(at(proxy, "requests", "cpu") == "69m");
  REQUIRE(proxy["also_changes"]["autoscalers"].size() == 1);
  CHECK(proxy["also_changes"]["autoscalers"][0]["name"] == "web");
  CHECK(proxy["also_changes"]["autoscalers"][0]["from"] == 60);
  CHECK(proxy["also_changes"]["autoscalers"][0]["to"] == 74);
  // api: 100m x 1.15 = 115m would make 70% into 70 x 500 / 115 = 304%: out of 50-90 %, so
  // the request is 70% x 500m / 90% = 388.9m -> 389m (the limit follows) and the target 90%.
  const auto& api = all.at("api/app");
  CHECK(at(api, "requests", "cpu") == "389m");
  CHECK(at(api, "limits", "cpu") == "389m");
  REQUIRE(api["also_changes"]["autoscalers"].size() == 1);
  CHECK(api["also_changes"]["autoscalers"][0]["container"] == "app");
  CHECK(api["also_changes"]["autoscalers"][0]["to"] == 90);
  CHECK_THAT(api["reason"].get<std::string>(),
             Catch::Contains("304% would be outside 50-90%") &&
                 Catch::Contains("metric memory AverageValue: does not depend on the request"));
  CHECK(api["max_concurrent_pods"] == 1);
}

TEST_CASE("heaps, init containers, sidecars and per-run Jobs", "[cli][rules]") {
  TempDir dir;
  prepare(dir);
  Recommendations all = recommend(dir);
  // -Xmx512m in JAVA_TOOL_OPTIONS: 512Mi x 1.3 = 665.6Mi -> 666Mi, above max 200Mi x 2.
  CHECK(at(all.at("api/app"), "limits", "memory") == "666Mi");
  CHECK_THAT(all.at("api/app")["reason"].get<std::string>(),
             Catch::Contains("JVM heap -Xmx512m (512Mi) x 1.3"));
  // MaxRAMPercentage=25: the heap is a quarter of the limit, so the limit is 300Mi / 0.25.
  CHECK(at(all.at("svc/app"), "limits", "memory") == "1200Mi");
  // The policy file's rule (namespace shop, app=api): memory request margin 1.3.
  CHECK(at(all.at("api/app"), "requests", "memory") == "260Mi");
  CHECK(at(all.at("web/nginx"), "requests", "memory") == "115Mi");  // not api: 1.15
  // The native sidecar like an app container: 10m x 1.15 = 11.5 -> 12m; 20Mi x 1.3 = 26Mi.
  const auto& shipper = all.at("api/log-shipper");
  CHECK(shipper["role"] == "sidecar");
  CHECK(at(shipper, "requests", "cpu") == "12m");
  CHECK(at(shipper, "requests", "memory") == "26Mi");
  // The init container ran 3 polls at 2 cores: its peak x 1.15 = 2.3 cores, but no more
  // than the app containers' 389m + 12m; memory 300Mi x 1.3 = 390Mi. 3 samples suffice.
  const auto& migrate = all.at("api/migrate");
  CHECK(migrate["role"] == "init");
  CHECK(at(migrate, "requests", "cpu") == "401m");
  CHECK(at(migrate, "requests", "memory") == "390Mi");
  CHECK_THAT(migrate["reason"].get<std::string>(),
             Catch::Contains("from 286Mi (the app containers') to 390Mi"));
  // podfit.io/cpu-limit: none on web removes its CPU limits; podfit.io/ignore skips legacy.
  CHECK(at(all.at("web/nginx"), "limits", "cpu") == "-");
  CHECK_THAT(all.at("web/nginx")["reason"].get<std::string>(),
             Catch::Contains("cpu-limit=none from annotation podfit.io/cpu-limit"));
  CHECK_FALSE(all.at("legacy/app")["has_recommendation"].get<bool>());
  CHECK_THAT(all.at("legacy/app")["reason"].get<std::string>(),
             Catch::StartsWith("ignored: annotation podfit.io/ignore"));

  // CronJob nightly: five runs peaking at 100m..500m and 100Mi..500Mi between idle polls:
  // the CPU request is the runs' p90, the memory request that x 1.15, rounded up.
  CommandResult numpy = run_command(podfit::test::python() +
                                    " -c 'import math, numpy; p = numpy.percentile([100, 200, 300, "
                                    "400, 500], 90); print(round(p), math.ceil(p * 1.15))'");
  REQUIRE(numpy.exit_code == 0);
  std::istringstream words(numpy.out);
  std::string p90, memory;
  words >> p90 >> memory;  // "460 529"
  const auto& nightly = all.at("nightly/report");
  CHECK(at(nightly, "requests", "cpu") == p90 + "m");
  CHECK(at(nightly, "requests", "memory") == memory + "Mi");
  CHECK(at(nightly, "limits", "cpu") == "1");  // max 500m x 2
  CHECK(at(nightly, "limits", "memory") == "1000Mi");
  // CronJob rare ran twice: fewer than min-runs 3, so nothing, and it says why.
  CHECK_FALSE(all.at("rare/task")["has_recommendation"].get<bool>());
  CHECK_THAT(all.at("rare/task")["reason"].get<std::string>(),
             Catch::Contains("only 2 runs of the CronJob seen (need 3)"));
}

TEST_CASE("the diff edits HPA targets and sidecar annotations in place, kubectl agrees",
          "[cli][rules]") {
  TempDir dir;
  prepare(dir);
  const std::string app_before = podfit::test::read_file(dir / "app.yaml");
  const std::string hpa_before = podfit::test::read_file(dir / "hpa.yaml");
  CommandResult diff = podfit_in(dir, std::string("patch ") + kInputs);
  INFO(diff.err);
  REQUIRE(diff.exit_code == 0);
  // Only the numbers change: the comment after 60 and the quotes of the annotations stay.
  CHECK_THAT(diff.out, Catch::Contains("-        averageUtilization: 60   # scale out early\n"
                                       "+        averageUtilization: 74   # scale out early\n"));
  CHECK_THAT(diff.out,
             Catch::Contains("+      target: {type: Utilization, averageUtilization: 90}\n"));
  CHECK_THAT(diff.out, Catch::Contains("+        sidecar.istio.io/proxyCPU: \"69m\"\n"));
  CHECK_THAT(diff.out, Catch::Contains("+        sidecar.istio.io/proxyMemory: '46Mi'\n"));
  podfit::test::write_file(dir / "out.diff", diff.out);
  CommandResult applied = run_command("cd " + shell_quote(dir.path().string()) +
                                      " && git init -q . && git apply out.diff");
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  const std::string hpa_after = podfit::test::read_file(dir / "hpa.yaml");
  // Every line but the two targets is the same.
  std::istringstream before_lines(hpa_before), after_lines(hpa_after);
  std::string a, b;
  int differing = 0;
  while (std::getline(before_lines, a) && std::getline(after_lines, b)) differing += a != b;
  CHECK(differing == 2);
  CHECK(hpa_before.size() == hpa_after.size());  // 60 -> 74 and 70 -> 90: same widths

  // -o strategic prints each HPA change as a JSON patch; kubectl, run on the original file,
  // gives the same object as the diff wrote.
  std::filesystem::create_directories(dir / "orig");
  podfit::test::write_file(dir / "orig/hpa.yaml", hpa_before);
  podfit::test::write_file(dir / "orig/app.yaml", app_before);
  CommandResult strategic =
      run_command("cd " + shell_quote((dir / "orig").string()) + " && " +
                  shell_quote(podfit::test::podfit_binary()) +
                  " patch -o strategic --samples ../s.jsonl -f app.yaml -f hpa.yaml --policy "
                  "../policy.yaml");
  REQUIRE(strategic.exit_code == 0);
  std::regex command(
      R"(#   kubectl -n shop patch horizontalpodautoscaler (\S+) --type json -p '(.*)')");
  TempDir home;
  podfit::test::write_file(home / "kubeconfig", "");
  // One file per HPA (a JSON patch applies to every object of a file), named by HPA.
  auto split = [&](const std::string& text, const std::string& folder) {
    std::filesystem::create_directories(home / folder);
    std::map<std::string, std::string> files;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find("\n---\n", start);
      std::string document = text.substr(start, end == std::string::npos ? end : end - start + 1);
      std::smatch name;
      REQUIRE(std::regex_search(document, name, std::regex("\n  name: (\\S+)\n")));
      std::string path = (home / folder / (name[1].str() + ".yaml")).string();
      podfit::test::write_file(path, document);
      files[name[1]] = path;
      start = end == std::string::npos ? text.size() : end + 5;
    }
    return files;
  };
  auto original = split(hpa_before, "before"), wrote = split(hpa_after, "after");
  REQUIRE(original.size() == 2);
  const std::string kubectl = "KUBECONFIG=" + shell_quote((home / "kubeconfig").string()) +
                              " /usr/bin/kubectl patch --local -o json -f ";
  std::istringstream lines(strategic.out);
  std::string line;
  int judged = 0;
  for (std::smatch match; std::getline(lines, line);) {
    if (!std::regex_match(line, match, command)) continue;
    std::string name = match[1];
    REQUIRE(original.count(name) == 1);
    CommandResult expected = run_command(kubectl + shell_quote(original[name]) +
                                         " --type json -p " + shell_quote(match[2].str()));
    CommandResult actual =
        run_command(kubectl + shell_quote(wrote[name]) + " --type merge -p '{}'");
    INFO(line << "\n" << expected.err << actual.err);
    REQUIRE(expected.exit_code == 0);
    REQUIRE(actual.exit_code == 0);
    CHECK(nlohmann::json::parse(expected.out)["spec"] == nlohmann::json::parse(actual.out)["spec"]);
    CHECK(nlohmann::json::parse(expected.out)["spec"] !=
          nlohmann::json::parse(
              run_command(kubectl + shell_quote(original[name]) + " --type merge -p '{}'")
                  .out)["spec"]);
    ++judged;
  }
  CHECK(judged == 2);
}

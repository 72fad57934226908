// A manifest that names no namespace is for the namespace it is deployed to: -n, else
// the one namespace its pods are in; pods of two namespaces are never pooled. -n and -l
// choose the pods of recorded samples too.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

constexpr const char* kManifest = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-steady-000
spec:
  selector:
    matchLabels:
      app: api-steady-000
  template:
    metadata:
      labels:
        app: api-steady-000
    spec:
      containers:
      - name: app
        image: api
        resources:
          requests:
            cpu: 123m
)";

// The same workload name in two namespaces, an hour at one minute each.
std::string two_namespaces(const TempDir& dir) {
  std::string samples = (dir / "samples.jsonl").string();
  for (auto [ns, seed] : {std::pair{"staging", 1}, std::pair{"prod", 2}}) {
    REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                        "/tools/gen_trace.py --families steady --workloads 1 --name-prefix api "
                        "--duration 1h --interval 60 --namespace " +
                        ns + " --seed " + std::to_string(seed) + " >> " + shell_quote(samples))
                .exit_code == 0);
  }
  podfit::test::write_file(dir / "api.yaml", kManifest);
  return samples;
}

// "namespace/workload" -> the entry.
std::map<std::string, nlohmann::json> by_workload(const std::string& out) {
  std::map<std::string, nlohmann::json> entries;
  const nlohmann::json report = nlohmann::json::parse(out);
  for (const auto& entry : report["recommendations"]) {
    entries[entry["namespace"].get<std::string>() + "/" + entry["workload"].get<std::string>()] =
        entry;
  }
  return entries;
}

}  // namespace

TEST_CASE("a manifest without a namespace never pools two namespaces", "[history][namespace]") {
  TempDir dir;
  std::string samples = shell_quote(two_namespaces(dir));
  std::string manifest = shell_quote((dir / "api.yaml").string());

  CommandResult unchosen = podfit_run("recommend -o json --samples " + samples + " -f " + manifest);
  INFO(unchosen.err);
  CHECK(unchosen.exit_code == 3);  // finished, with a problem reported
  CHECK_THAT(unchosen.err,
             Catch::Contains("Deployment/api-steady-000 names no namespace and its pods are in "
                             "prod, staging: give -n NAMESPACE"));
  auto apart = by_workload(unchosen.out);
  REQUIRE(apart.size() == 2);  // one per namespace, neither credited to the manifest
  CHECK(apart["prod/api-steady-000"]["pods"] == 1);
  CHECK(apart["staging/api-steady-000"]["pods"] == 1);
  CHECK(apart["prod/api-steady-000"]["current"]["requests"].empty());

  CommandResult chosen =
      podfit_run("recommend -o json -n prod --samples " + samples + " -f " + manifest);
  INFO(chosen.err);
  REQUIRE(chosen.exit_code == 0);
  auto prod = by_workload(chosen.out);
  REQUIRE(prod.size() == 1);  // -n also leaves staging's samples out
  const nlohmann::json& entry = prod.begin()->second;
  CHECK(entry["namespace"] == "prod");  // where the manifest is deployed
  CHECK(entry["current"]["requests"]["cpu"] == "123m");
  CHECK(entry["samples"] == 60);

  CommandResult diff = podfit_run("patch -n prod --samples " + samples + " -f " + manifest);
  INFO(diff.err);
  CHECK(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("-            cpu: 123m"));
}

TEST_CASE("namespace and label flags choose the pods of recorded samples", "[history][namespace]") {
  TempDir dir;
  std::string samples = shell_quote(two_namespaces(dir));
  auto staging = by_workload(podfit_run("recommend -o json -n staging --samples " + samples).out);
  REQUIRE(staging.size() == 1);
  CHECK(staging.count("staging/api-steady-000") == 1);
  auto labelled =
      by_workload(podfit_run("recommend -o json -l app=api-steady-000 --samples " + samples).out);
  CHECK(labelled.size() == 2);
  CommandResult none = podfit_run("recommend -l app=other --samples " + samples);
  CHECK(none.exit_code == 4);
  CHECK_THAT(none.err, Catch::Contains("no samples of pods matching -l app=other"));
  CommandResult elsewhere = podfit_run("recommend -n dev --samples " + samples);
  CHECK(elsewhere.exit_code == 4);
  CHECK_THAT(elsewhere.err, Catch::Contains("no samples of pods in namespace \"dev\""));
  CommandResult bad = podfit_run("recommend -l 'app in (a' --samples " + samples);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::StartsWith("podfit: error: -l: cannot parse"));
}

TEST_CASE("a copy that names its namespace keeps its pods from a copy that names none",
          "[history][namespace]") {
  TempDir dir;
  std::string samples = shell_quote(two_namespaces(dir));
  std::string staging_copy = kManifest;
  staging_copy.replace(staging_copy.find("  name: api-steady-000\n"), 23,
                       "  name: api-steady-000\n  namespace: staging\n");
  podfit::test::write_file(dir / "staging.yaml", staging_copy);
  CommandResult run = podfit_run("recommend -o json --samples " + samples + " -f " +
                                 shell_quote((dir / "api.yaml").string()) + " -f " +
                                 shell_quote((dir / "staging.yaml").string()));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);  // no warning: prod is the only namespace left for api.yaml
  auto entries = by_workload(run.out);
  REQUIRE(entries.size() == 2);
  CHECK(entries.count("staging/api-steady-000") == 1);
  CHECK(entries.count("prod/api-steady-000") == 1);  // api.yaml's, deployed to prod
  CHECK(entries["staging/api-steady-000"]["current"]["requests"]["cpu"] == "123m");
  CHECK(entries["prod/api-steady-000"]["current"]["requests"]["cpu"] == "123m");
}

TEST_CASE("without -n a namespace-less manifest goes where the kubeconfig context deploys",
          "[history][namespace]") {
  TempDir dir;
  std::string samples = shell_quote(two_namespaces(dir));
  std::string manifest = shell_quote((dir / "api.yaml").string());
  podfit::test::write_file(dir / "kubeconfig", R"(apiVersion: v1
kind: Config
current-context: prod-admin
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: not-used}
contexts:
- name: prod-admin
  context: {cluster: c, user: u, namespace: prod}
- name: dev-admin
  context: {cluster: c, user: u, namespace: dev}
- name: plain
  context: {cluster: c, user: u}
)");
  std::string env = "KUBECONFIG=" + shell_quote((dir / "kubeconfig").string()) + " ";
  std::string args = " -o json --samples " + samples + " -f " + manifest;

  CommandResult prod = run_command(env + shell_quote(podfit::test::podfit_binary()) +
                                   " recommend" + args);
  INFO(prod.err);
  REQUIRE(prod.exit_code == 0);  // no "give -n" warning: the context chose prod
  auto entries = by_workload(prod.out);
  REQUIRE(entries.size() == 2);
  CHECK(entries["prod/api-steady-000"]["current"]["requests"]["cpu"] == "123m");
  CHECK(entries["staging/api-steady-000"]["current"]["requests"].empty());  // not the manifest's

  CommandResult dev = run_command(env + shell_quote(podfit::test::podfit_binary()) +
                                  " recommend --context dev-admin" + args);
  CHECK(dev.exit_code == 3);
  CHECK_THAT(dev.err, Catch::Contains("Deployment/api-steady-000 names no namespace, so it is for "
                                      "namespace \"dev\" of kubeconfig context \"dev-admin\", "
                                      "but its pods are in prod, staging: give -n NAMESPACE"));
  for (const auto& [key, entry] : by_workload(dev.out)) {
    CHECK(entry["current"]["requests"].empty());  // neither namespace is the manifest's
  }

  CommandResult flag = run_command(env + shell_quote(podfit::test::podfit_binary()) +
                                   " recommend --context dev-admin -n staging" + args);
  REQUIRE(flag.exit_code == 0);  // -n beats the context
  auto staging = by_workload(flag.out);
  REQUIRE(staging.size() == 1);
  CHECK(staging["staging/api-steady-000"]["current"]["requests"]["cpu"] == "123m");

  // A context naming no namespace leaves the pods' own (several here) to decide.
  CommandResult plain = run_command(env + shell_quote(podfit::test::podfit_binary()) +
                                    " recommend --context plain" + args);
  CHECK(plain.exit_code == 3);
  CHECK_THAT(plain.err, Catch::Contains("its pods are in prod, staging: give -n NAMESPACE"));

  CommandResult missing = run_command(env + shell_quote(podfit::test::podfit_binary()) +
                                      " recommend --context nowhere" + args);
  CHECK_THAT(missing.err, Catch::Contains("podfit: warning: kubeconfig: context \"nowhere\" does "
                                          "not exist"));
}

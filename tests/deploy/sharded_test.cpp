// deploy-sharded/: two collectors with complementary label selectors, a store each, and
// the report reading both; `recommend --store A --store B` merges what the shards hold.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

std::vector<YAML::Node> render(const TempDir& temp) {
  podfit::test::write_file(temp / "kubeconfig", "");
  CommandResult result = run_command("KUBECONFIG=" + shell_quote((temp / "kubeconfig").string()) +
                                     " /usr/bin/kubectl kustomize " +
                                     shell_quote(podfit::test::source_dir() + "/deploy-sharded"));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return YAML::LoadAll(result.out);
}

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.as<std::string>());
  return out;
}

YAML::Node pod_spec(const YAML::Node& cronjob) {
  return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
}

// The claim mounted at `path` in the pod's first container.
std::string claim_at(const YAML::Node& spec, const std::string& path) {
  std::string volume;
  for (const auto& mount : spec["containers"][0]["volumeMounts"]) {
    if (mount["mountPath"].as<std::string>() == path) volume = mount["name"].as<std::string>();
  }
  for (const auto& entry : spec["volumes"]) {
    if (entry["name"].as<std::string>() == volume && entry["persistentVolumeClaim"]) {
      return entry["persistentVolumeClaim"]["claimName"].as<std::string>();
    }
  }
  return "";
}

std::string value_after(const std::vector<std::string>& args, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) return args[i + 1];
  }
  return "";
}

}  // namespace

TEST_CASE("deploy-sharded: complementary collectors, a store each, one report over both",
          "[deploy]") {
  TempDir temp;
  std::map<std::string, YAML::Node> cronjobs;
  std::vector<std::string> claims;
  for (const auto& object : render(temp)) {
    std::string kind = object["kind"].as<std::string>();
    if (kind == "CronJob") cronjobs[object["metadata"]["name"].as<std::string>()] = object;
    if (kind == "PersistentVolumeClaim")
      claims.push_back(object["metadata"]["name"].as<std::string>());
  }
  CHECK(claims == std::vector<std::string>{"podfit-store", "podfit-store-b"});
  REQUIRE(cronjobs.count("podfit-collect") == 1);
  REQUIRE(cronjobs.count("podfit-collect-b") == 1);
  REQUIRE(cronjobs.count("podfit-report") == 1);
  std::map<std::string, std::string> store_claim;  // store path in the report -> claim
  std::vector<std::string> selectors;
  for (const char* name : {"podfit-collect", "podfit-collect-b"}) {
    YAML::Node spec = pod_spec(cronjobs[name]);
    auto args = strings(spec["containers"][0]["args"]);
    INFO(name);
    CHECK(args.front() == "collect");
    CHECK(value_after(args, "-l") != "");
    selectors.push_back(value_after(args, "-l"));
    std::string store = value_after(args, "--store");
    std::string folder = store.substr(0, store.rfind('/'));
    store_claim[claim_at(spec, folder)] = name;
  }
  // Together the selectors take every pod once: one is the other's negation.
  CHECK(selectors == std::vector<std::string>{"tier=frontend", "tier!=frontend"});
  CHECK(store_claim.size() == 2);  // two different claims
  YAML::Node report = pod_spec(cronjobs["podfit-report"]);
  auto args = strings(report["containers"][0]["args"]);
  std::vector<std::string> stores;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--store") stores.push_back(args[i + 1]);
  }
  REQUIRE(stores.size() == 2);
  std::set<std::string> report_claims;
  for (const std::string& store : stores) {
    report_claims.insert(claim_at(report, store.substr(0, store.rfind('/'))));
  }
  CHECK(report_claims == std::set<std::string>{"podfit-store", "podfit-store-b"});
}

TEST_CASE("recommend --store A --store B: the shards' union, as one history gives it",
          "[deploy][store]") {
  TempDir dir;
  // The sample app's samples split by pod into two shards, as two selectors would.
  const std::string samples = podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl";
  const std::string split = R"(import json, sys
a, b = open(sys.argv[2], "w"), open(sys.argv[3], "w")
for line in open(sys.argv[1]):
    doc = json.loads(line)
    for out, keep in ((a, lambda n: "nginx" in n), (b, lambda n: "nginx" not in n)):
        items = [i for i in doc["items"] if keep(i["metadata"]["name"])]
        if items:
            out.write(json.dumps(dict(doc, items=items)) + "\n")
)";
  podfit::test::write_file(dir / "split.py", split);
  auto path = [&](const char* name) { return shell_quote((dir / name).string()); };
  REQUIRE(run_command(podfit::test::python() + " " + path("split.py") + " " + shell_quote(samples) +
                      " " + path("a.jsonl") + " " + path("b.jsonl"))
              .exit_code == 0);
  for (const char* shard : {"a", "b"}) {
    std::string db = (dir / (std::string(shard) + ".db")).string();
    std::string jsonl = (dir / (std::string(shard) + ".jsonl")).string();
    CommandResult imported = podfit::test::podfit_run("store --store " + shell_quote(db) +
                                                      " import " + shell_quote(jsonl));
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
    // Part of each shard compacted into hour sketches, as an in-cluster store would be.
    REQUIRE(podfit::test::podfit_run("store --store " + shell_quote(db) +
                                     " compact --raw-window 30m --now latest")
                .exit_code == 0);
  }
  auto report = [&](const std::string& args) {
    CommandResult run = podfit::test::podfit_run("recommend -o json " + args);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    std::map<std::string, nlohmann::json> by_name;
    const nlohmann::json document = nlohmann::json::parse(run.out);
    for (const auto& entry : document["recommendations"]) {
      by_name[entry["workload"].get<std::string>() + "/" + entry["container"].get<std::string>()] =
          entry["recommended"];
    }
    return by_name;
  };
  auto merged = report("--store " + path("a.db") + " --store " + path("b.db"));
  auto a = report("--store " + path("a.db"));
  auto b = report("--store " + path("b.db"));
  REQUIRE(merged.size() == a.size() + b.size());
  REQUIRE(a.size() > 0);
  REQUIRE(b.size() > 0);
  for (const auto& [name, recommended] : a) CHECK(merged.at(name) == recommended);
  for (const auto& [name, recommended] : b) CHECK(merged.at(name) == recommended);

  // Overlapping shards (a copy of a store): raw points count once, compacted hours are
  // read from the first store only, and the run says so.
  std::filesystem::copy_file(dir / "a.db", dir / "copy.db");
  CommandResult twice = podfit::test::podfit_run("recommend -o json --store " + path("a.db") +
                                                 " --store " + path("copy.db"));
  REQUIRE(twice.exit_code == 0);
  CHECK_THAT(twice.err, Catch::Contains("(overlapping shards)"));
  CHECK(report("--store " + path("a.db") + " --store " + path("copy.db")) == a);
  CHECK_THAT(podfit::test::podfit_run("recommend --store " + path("a.db") + " --store " +
                                      path("a.db"))
                 .err,
             Catch::Contains("given twice with --store, read once"));
  // A shard that cannot be read fails the run and names it.
  CommandResult missing = podfit::test::podfit_run("recommend --store " + path("a.db") +
                                                   " --store " + path("none.db"));
  CHECK(missing.exit_code == 4);
  CHECK_THAT(missing.err, Catch::Contains("none.db: no such store"));
}

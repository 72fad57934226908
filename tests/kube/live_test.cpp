// recommend --live: owners, current resources and OOM kills come from the (fake) cluster.
#include <catch2/catch.hpp>

#include "kube/fake_server.hpp"
#include "podfit/quantity/quantity.hpp"

namespace podfit::test {

namespace {

// Three seconds of samples from `server` (kubeconfig for user alice, namespace shop), then
// `recommend -o json --live` on them; the run's output.
CommandResult recommend_live(FakeApiServer& server, const std::string& extra = "") {
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string samples = (server.dir() / "samples.jsonl").string();
  auto collected = run_podfit("collect --no-pod-status --kubeconfig " + kubeconfig +
                                  " --interval 500ms --duration 3s --out " + samples,
                              server.dir().path().string());
  REQUIRE(collected.exit_code == 0);
  return run_podfit("recommend -o json --live --kubeconfig " + kubeconfig + " --samples " +
                        samples + " --min-samples 1 --min-duration 0" + extra,
                    server.dir().path().string());
}

}  // namespace

TEST_CASE("recommend --live uses the cluster's owners, resources and OOM kills", "[kube][cli]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  FakeApiServer server(scenario);
  auto run = recommend_live(server, " --min-runs 1");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto all = nlohmann::json::parse(run.out)["recommendations"];
  auto find = [&](const std::string& container) {
    for (const auto& entry : all) {
      if (entry["container"] == container) return entry;
    }
    FAIL("no recommendation for " << container);
    return nlohmann::json();
  };
  // web-7d9f8b6c5d-abcde: its ReplicaSet's owner is Deployment web; nginx asks for
  // 100m/128Mi with a 256Mi limit in the scenario.
  auto nginx = find("nginx");
  CHECK(nginx["kind"] == "Deployment");
  CHECK(nginx["workload"] == "web");
  CHECK(nginx["current"]["requests"]["cpu"] == "100m");
  CHECK(nginx["current"]["limits"]["memory"] == "256Mi");
  // The report Job's container was OOM-killed at its 64Mi limit: memory at least 77Mi.
  auto job = find("job");
  CHECK(job["kind"] == "CronJob");
  CHECK(job["workload"] == "report");
  CHECK(job["events"]["oom_kills"].get<int>() >= 1);
  auto mebibytes = [](const nlohmann::json& text) {
    auto parsed = quantity::parse(text.get<std::string>());
    REQUIRE(parsed);
    return parsed->value() / (1024 * 1024);
  };
  CHECK(job["recommended"]["requests"]["memory"] == "77Mi");  // 64Mi x 1.2, rounded up
  CHECK(mebibytes(job["recommended"]["limits"]["memory"]) >= 77);
}

TEST_CASE("recommend --live reads the cluster's HPAs and the pods' podfit.io annotations",
          "[kube][cli][rules]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  for (auto& pod : scenario["pods"]) {
    if (pod["name"] == "web-7d9f8b6c5d-abcde") {
      pod["annotations"] = {{"podfit.io/memory-limit-margin", "3"}};
    }
  }
  scenario["horizontalpodautoscalers"] = nlohmann::json::array(
      {{{"namespace", "shop"},
        {"name", "web"},
        {"object",
         {{"metadata", {{"name", "web"}, {"namespace", "shop"}}},
          {"spec",
           {{"scaleTargetRef", {{"kind", "Deployment"}, {"name", "web"}}},
            {"metrics",
             {{{"type", "ContainerResource"},
               {"containerResource",
                {{"name", "cpu"},
                 {"container", "nginx"},
                 {"target", {{"type", "Utilization"}, {"averageUtilization", 50}}}}}}}}}}}}}});
  FakeApiServer server(scenario);
  auto run = recommend_live(server);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto report = nlohmann::json::parse(run.out);
  nlohmann::json nginx;
  for (const auto& entry : report["recommendations"]) {
    if (entry["container"] == "nginx") nginx = entry;
  }
  REQUIRE(nginx.is_object());
  std::string reason = nginx["reason"];
  CHECK_THAT(reason, Catch::Contains("memory-limit-margin=3 from annotation "
                                     "podfit.io/memory-limit-margin"));
  // nginx asks for 100m; its usage of a few millicores would move 50% far past 90%, so the
  // request stays at 50% x 100m / 90% = 55.6m -> 56m and the target 50 x 100 / 56 = 89%.
  CHECK_THAT(reason, Catch::Contains("HPA shop/web: cpu averageUtilization 50% -> 89%") &&
                         Catch::Contains("an HPA of the cluster: change it where it is kept"));
  CHECK(nginx["recommended"]["requests"]["cpu"] == "56m");
  REQUIRE(nginx["also_changes"]["autoscalers"].size() == 1);
  CHECK(nginx["also_changes"]["autoscalers"][0]["to"] == 89);
  // The memory limit is (a projected) max x 3, at least the max the report shows x 3.
  CHECK_THAT(reason, Catch::Contains("x 3 (memory grows"));
  auto limit = quantity::parse(nginx["recommended"]["limits"]["memory"].get<std::string>());
  REQUIRE(limit);
  double max = nginx["memory"]["max"];
  CHECK(limit->value() >= 3 * max);
}

TEST_CASE("recommend --live without RBAC on HPAs warns and still recommends", "[kube][cli][rules]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  scenario["forbid"].push_back(
      {{"user", "alice"},
       {"path_prefix", "/apis/autoscaling"},
       {"message", "horizontalpodautoscalers.autoscaling is forbidden: User \"alice\" cannot "
                   "list resource \"horizontalpodautoscalers\""}});
  FakeApiServer server(scenario);
  auto run = recommend_live(server, " --min-runs 1");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);  // nothing the recommendations need is missing
  CHECK_THAT(run.err, Catch::Contains("podfit: warning: cannot list HorizontalPodAutoscalers") &&
                          Catch::Contains("forbidden"));
  const auto report = nlohmann::json::parse(run.out);
  bool nginx = false;
  for (const auto& entry : report["recommendations"]) {
    nginx = nginx || (entry["container"] == "nginx" && entry["has_recommendation"] == true);
  }
  CHECK(nginx);
}

}  // namespace podfit::test

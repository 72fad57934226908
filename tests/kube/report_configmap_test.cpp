// The report ConfigMap end to end against the fake API server: `recommend --publish-configmap`
// from a pod (in-cluster env), then `kubectl get configmap` and `patch/recommend
// --from-cluster` from a developer's kubeconfig, compared with `patch --store`.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/fake_server.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/store/store.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

constexpr const char* kReportToken = "tok-report";

nlohmann::json report_scenario() {
  return nlohmann::json{
      {"tokens", {{kReportToken, "system:serviceaccount:podfit:podfit"}, {"tok-dev", "dev"}}},
      {"configmaps",
       {{{"namespace", "podfit"}, {"name", "podfit-report"}},
        {{"namespace", "podfit"}, {"name", "locked"}}}},
      {"forbid",
       {{{"method", "PATCH"},
         {"path_prefix", "/api/v1/namespaces/podfit/configmaps/locked"},
         {"message", "configmaps \"locked\" is forbidden: User cannot patch resource"}}}}};
}

std::string manifests_dir() {
  return source_dir() + "/fixtures/sample-app/kubernetes";
}

// The sample app's history, with the cluster's current resources equal to the manifests'
// (as `collect` would record them), so both runs start from the same current values.
std::string make_store(const TempDir& temp) {
  std::string path = (temp / "podfit.db").string();
  auto imported =
      run_command(shell_quote(podfit_binary()) + " store --store " + shell_quote(path) +
                  " import " + shell_quote(source_dir() + "/fixtures/sample-app/samples.jsonl"));
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  std::vector<WorkloadResources> resources;
  auto paths = manifest::expand_paths({manifests_dir()});
  REQUIRE(paths.has_value());
  for (const std::string& file : *paths) {
    auto loaded = manifest::load_manifest(file);
    REQUIRE(loaded.has_value());
    for (const auto& workload : loaded->workloads) {
      for (const auto& container : workload.containers)
        resources.push_back({workload.ref, container.name, container.current});
    }
  }
  REQUIRE(resources.size() == 2);
  auto opened = store::Store::open(path);
  REQUIRE(opened.has_value());
  REQUIRE(opened->append(SampleSet{}, {}, resources).has_value());
  return path;
}

struct Cluster {
  FakeApiServer server{report_scenario()};
  TempDir account;
  std::string home = server.dir().path().string();
  std::string kubeconfig = server.write_kubeconfig("dev", "    token: tok-dev\n");

  Cluster() {
    write_file(account / "token", kReportToken);
    std::filesystem::copy_file(test_certs() / "ca.crt", account / "ca.crt");
    write_file(account / "namespace", "podfit\n");
  }
  // What a pod in namespace podfit sees.
  std::string in_cluster() const {
    return "KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=" +
           std::to_string(server.port()) +
           " PODFIT_SERVICEACCOUNT_DIR=" + shell_quote(account.path().string());
  }
};

}  // namespace

TEST_CASE("a published report gives the same diff as patch --store", "[kube][report]") {
  Cluster cluster;
  TempDir temp;
  std::string store = make_store(temp);

  auto published = run_podfit(
      "recommend --store " + shell_quote(store) + " -o markdown --publish-configmap podfit-report",
      cluster.home, cluster.in_cluster());
  INFO(published.err);
  REQUIRE(published.exit_code == 0);
  CHECK(published.err.find("to configmap podfit/podfit-report") != std::string::npos);
  bool patched = false;
  for (const auto& request : cluster.server.requests()) {
    if (request["method"] != "PATCH") continue;
    patched = true;
    CHECK(request["path"] == "/api/v1/namespaces/podfit/configmaps/podfit-report");
    CHECK(request["status"] == 200);
    CHECK(request["user"] == "system:serviceaccount:podfit:podfit");
  }
  CHECK(patched);

  // The documented one-liner prints the same Markdown the Job logged.
  auto markdown = run_kubectl("--kubeconfig " + shell_quote(cluster.kubeconfig) +
                                  " get configmap podfit-report -n podfit -o "
                                  "jsonpath='{.data.report\\.md}'",
                              cluster.home);
  INFO(markdown.err);
  REQUIRE(markdown.exit_code == 0);
  CHECK(markdown.out == published.out);

  // And the HTML report beside it, as docs/deploy.md says to open it: it renders, with
  // the charts of both containers (tests/report/browser_check.py).
  auto html = run_kubectl("--kubeconfig " + shell_quote(cluster.kubeconfig) +
                              " get configmap podfit-report -n podfit -o "
                              "jsonpath='{.data.report\\.html}'",
                          cluster.home);
  REQUIRE(html.exit_code == 0);
  CHECK(html.out.rfind("<!DOCTYPE html>", 0) == 0);
  write_file(temp / "report.html", html.out);
  auto rendered = run_command(python() + " " +
                              shell_quote(source_dir() + "/tests/report/browser_check.py") + " " +
                              shell_quote((temp / "report.html").string()) + " 2");
  INFO(rendered.out << rendered.err);
  CHECK(rendered.exit_code == 0);

  // The developer's diff, without the database.
  std::string manifests = " -f " + shell_quote(manifests_dir()) + " --color never";
  auto from_store = run_podfit("patch --store " + shell_quote(store) + manifests, cluster.home);
  auto from_cluster =
      run_podfit("patch --from-cluster --kubeconfig " + shell_quote(cluster.kubeconfig) + manifests,
                 cluster.home);
  INFO(from_cluster.err);
  REQUIRE(from_store.exit_code == 0);
  REQUIRE(from_cluster.exit_code == 0);
  CHECK(from_store.out.find("+++ b/") != std::string::npos);  // there is a change to compare
  CHECK(from_cluster.out == from_store.out);
  CHECK(from_cluster.err.find("recommendations from configmap podfit/podfit-report, generated ") !=
        std::string::npos);
  CHECK(from_cluster.err.find("from store " + store) != std::string::npos);

  auto strategic_store =
      run_podfit("patch -o strategic --store " + shell_quote(store) + manifests, cluster.home);
  auto strategic_cluster = run_podfit("patch -o strategic --from-cluster --kubeconfig " +
                                          shell_quote(cluster.kubeconfig) + manifests,
                                      cluster.home);
  REQUIRE(strategic_cluster.exit_code == 0);
  CHECK(strategic_cluster.out == strategic_store.out);

  // recommend --from-cluster: the published numbers, as JSON again.
  auto json_store = run_podfit("recommend -o json --store " + shell_quote(store), cluster.home);
  auto json_cluster = run_podfit(
      "recommend -o json --from-cluster --report-configmap podfit/podfit-report --kubeconfig " +
          shell_quote(cluster.kubeconfig),
      cluster.home);
  REQUIRE(json_cluster.exit_code == 0);
  auto want = nlohmann::json::parse(json_store.out)["recommendations"];
  auto got = nlohmann::json::parse(json_cluster.out)["recommendations"];
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    for (const char* key : {"namespace", "kind", "workload", "container", "samples", "current",
                            "recommended", "has_recommendation", "changes", "reason"}) {
      INFO(i << " " << key);
      CHECK(got[i][key] == want[i][key]);
    }
  }
}

TEST_CASE("publishing and reading the report fail clearly", "[kube][report]") {
  Cluster cluster;
  TempDir temp;
  std::string store = make_store(temp);
  std::string url = cluster.server.url();

  auto forbidden =
      run_podfit("recommend --store " + shell_quote(store) + " --publish-configmap locked",
                 cluster.home, cluster.in_cluster());
  CHECK(forbidden.exit_code == 4);
  CHECK(forbidden.err.find("PATCH " + url +
                           "/api/v1/namespaces/podfit/configmaps/locked: HTTP 403 Forbidden") !=
        std::string::npos);
  CHECK(forbidden.err.find("needs RBAC permission to patch configmaps in API group \"\" in "
                           "namespace \"podfit\"") != std::string::npos);
  CHECK(forbidden.err.find(kReportToken) == std::string::npos);

  auto absent =
      run_podfit("recommend --store " + shell_quote(store) + " --publish-configmap other/absent",
                 cluster.home, cluster.in_cluster());
  CHECK(absent.exit_code == 4);
  CHECK(absent.err.find("PATCH " + url + "/api/v1/namespaces/other/configmaps/absent: HTTP 404") !=
        std::string::npos);
  CHECK(absent.err.find("create it first") != std::string::npos);

  auto bad_name =
      run_podfit("recommend --store " + shell_quote(store) + " --publish-configmap ../secrets",
                 cluster.home, cluster.in_cluster());
  CHECK(bad_name.exit_code == 2);

  std::string developer = " --kubeconfig " + shell_quote(cluster.kubeconfig);
  auto empty = run_podfit("recommend --from-cluster --report-configmap podfit/locked" + developer,
                          cluster.home);
  CHECK(empty.exit_code == 4);
  CHECK(empty.err.find("configmap podfit/locked has no recommendations.json yet") !=
        std::string::npos);

  auto both = run_podfit("recommend --from-cluster --store " + shell_quote(store) + developer,
                         cluster.home);
  CHECK(both.exit_code == 2);
}

TEST_CASE("a report too big for a ConfigMap as text is published gzipped and reads back",
          "[kube][report]") {
  Cluster cluster;
  TempDir temp;
  // 1,200 single-container pods: ~1.5 MB of JSON and Markdown, over the 1 MiB limit.
  std::string samples = (temp / "big.jsonl").string();
  write_file(temp / "gen.py",
             "import json, sys\n"
             "with open(sys.argv[1], 'w') as out:\n"
             "    for tick in range(3):\n"
             "        items = [{'metadata': {'name': 'svc-%d-7c9d8f6b5-x2k4q' % p, 'namespace': "
             "'shop'},\n"
             "                  'timestamp': '2024-08-23T10:%02d:00Z' % tick, 'window': '15s',\n"
             "                  'containers': [{'name': 'app', 'usage': {\n"
             "                      'cpu': '%dm' % (5 + (p * 7 + tick * 3) % 400),\n"
             "                      'memory': '%dMi' % (20 + (p * 13 + tick) % 900)}}]}\n"
             "                 for p in range(1200)]\n"
             "        out.write(json.dumps({'kind': 'PodMetricsList', 'items': items}) + '\\n')\n");
  REQUIRE(run_command(python() + " " + shell_quote((temp / "gen.py").string()) + " " +
                      shell_quote(samples))
              .exit_code == 0);
  std::string from_samples = "recommend --samples " + shell_quote(samples);
  auto published = run_podfit(from_samples + " -o markdown --publish-configmap podfit-report",
                              cluster.home, cluster.in_cluster());
  INFO(published.err);
  REQUIRE(published.exit_code == 0);
  CHECK(published.err.find("gzipped under binaryData") != std::string::npos);
  CHECK(published.out.size() > 100 * 1024);

  // The documented one-liner for the gzipped form.
  std::string get = "--kubeconfig " + shell_quote(cluster.kubeconfig) +
                    " get configmap podfit-report -n podfit -o ";
  auto markdown = run_kubectl(
      get + "jsonpath='{.binaryData.report\\.md\\.gz}' | base64 -d | gunzip", cluster.home);
  INFO(markdown.err);
  REQUIRE(markdown.exit_code == 0);
  CHECK(markdown.out == published.out);

  auto json_samples = run_podfit(from_samples + " -o json", cluster.home);
  auto json_cluster =
      run_podfit("recommend -o json --from-cluster --kubeconfig " + shell_quote(cluster.kubeconfig),
                 cluster.home);
  INFO(json_cluster.err);
  REQUIRE(json_cluster.exit_code == 0);
  auto want = nlohmann::json::parse(json_samples.out)["recommendations"];
  auto got = nlohmann::json::parse(json_cluster.out)["recommendations"];
  REQUIRE(want.size() == 1200);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(got[i]["workload"] == want[i]["workload"]);
    CHECK(got[i]["recommended"] == want[i]["recommended"]);
  }

  // A small report again: back to text, and no stale gzipped copy left behind.
  std::string store = make_store(temp);
  auto small =
      run_podfit("recommend --store " + shell_quote(store) + " --publish-configmap podfit-report",
                 cluster.home, cluster.in_cluster());
  REQUIRE(small.exit_code == 0);
  auto object = run_kubectl(get + "json", cluster.home);
  REQUIRE(object.exit_code == 0);
  auto configmap = nlohmann::json::parse(object.out);
  CHECK(configmap["data"].contains("report.md"));
  CHECK(configmap["data"].contains("recommendations.json"));
  CHECK(configmap.value("binaryData", nlohmann::json::object()).empty());
}

TEST_CASE("recommend --from-cluster gives back every field recommend --store published",
          "[kube][report]") {
  Cluster cluster;
  TempDir temp;
  std::string store = make_store(temp);
  // With decay, effective samples differ from samples: the confidence column shows it.
  std::string run = "recommend --store " + shell_quote(store) + " --half-life 10m";
  auto published =
      run_podfit(run + " --publish-configmap podfit-report", cluster.home, cluster.in_cluster());
  INFO(published.err);
  REQUIRE(published.exit_code == 0);

  std::string from_cluster = " --from-cluster --kubeconfig " + shell_quote(cluster.kubeconfig);
  auto json_store = run_podfit(run + " -o json", cluster.home);
  auto json_cluster = run_podfit("recommend -o json" + from_cluster, cluster.home);
  INFO(json_cluster.err);
  REQUIRE(json_store.exit_code == 0);
  REQUIRE(json_cluster.exit_code == 0);
  auto want = nlohmann::json::parse(json_store.out);
  auto got = nlohmann::json::parse(json_cluster.out);
  REQUIRE(want["recommendations"].size() == 2);
  CHECK(want["recommendations"][0]["effective_samples"] != want["recommendations"][0]["samples"]);
  CHECK(got == want);

  auto table_store = run_podfit(run, cluster.home);
  auto table_cluster = run_podfit("recommend" + from_cluster, cluster.home);
  REQUIRE(table_cluster.exit_code == 0);
  CHECK(table_cluster.out == table_store.out);
}

}  // namespace podfit::test

// The kube client end to end against the fake API server: every way to log in,
// TLS settings, faults, and the live state of pods and their owners.
#include <catch2/catch.hpp>

#include <fstream>

#include "kube/fake_server.hpp"
#include "podfit/kube/client.hpp"
#include "podfit/kube/kubeconfig.hpp"
#include "podfit/kube/live.hpp"
#include "podfit/kube/metrics.hpp"
#include "podfit/net/base64.hpp"

namespace podfit::test {

namespace {

std::string pem_data(const std::string& file) {
  return net::base64_encode(read_file(test_certs() / file));
}

std::string top_lines(const FakeApiServer& server, const std::string& kubeconfig,
                      const std::string& env = "") {
  auto result = run_podfit("top --kubeconfig " + kubeconfig, server.dir().path().string(), env);
  INFO(result.err);
  return result.exit_code == 0 ? result.out : "exit " + std::to_string(result.exit_code);
}

std::unique_ptr<kube::ApiClient> client_for(const std::string& kubeconfig) {
  kube::LoadOptions options;
  options.kubeconfig_flag = kubeconfig;
  auto config = kube::load_connection(options);
  REQUIRE(config);
  net::RetryPolicy retry;
  retry.base_delay_seconds = 0.01;
  return kube::ApiClient::connect(*config, {}, retry);
}

const char* kShopTable =
    "NAME                    CPU(cores)   MEMORY(bytes)   \n"
    "db-0                    250m         1024Mi          \n"
    "orphan                  0m           0Mi             \n"
    "report-28391234-xk2lp   5m           64Mi            \n"
    "web-7d9f8b6c5d-abcde    3m           6Mi             \n"
    "web-7d9f8b6c5d-fghij    17m          101Mi           \n";

}  // namespace

TEST_CASE("every kubeconfig way of logging in reaches the server", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));
  const auto& certs = test_certs();
  SECTION("token") {
    CHECK(top_lines(server, server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop")) ==
          kShopTable);
  }
  SECTION("tokenFile, relative to the kubeconfig") {
    write_file(server.dir() / "token.txt", "tok-alice\n");
    CHECK(top_lines(server, server.write_kubeconfig("c", "    tokenFile: token.txt\n", "",
                                                    "shop")) == kShopTable);
  }
  SECTION("client certificate files") {
    std::string user = "    client-certificate: " + (certs / "alice.crt").string() +
                       "\n    client-key: " + (certs / "alice.key").string() + "\n";
    CHECK(top_lines(server, server.write_kubeconfig("c", user, "", "shop")) == kShopTable);
    REQUIRE_FALSE(server.requests().empty());
    CHECK(server.requests().back()["user"] == "alice");
  }
  SECTION("client certificate data and CA data") {
    std::string user = "    client-certificate-data: " + pem_data("alice.crt") +
                       "\n    client-key-data: " + pem_data("alice.key") + "\n";
    std::string cluster = "    certificate-authority-data: " + pem_data("ca.crt") + "\n";
    CHECK(top_lines(server, server.write_kubeconfig("c", user, cluster, "shop")) == kShopTable);
  }
  SECTION("basic auth") {
    std::string user = "    username: carol\n    password: s3cret-pw\n";
    CHECK(top_lines(server, server.write_kubeconfig("c", user, "", "shop")) == kShopTable);
  }
  SECTION("exec plugins, v1 and v1beta1, client.authentication.k8s.io") {
    for (const char* version : {"v1", "v1beta1"}) {
      std::string api = std::string("client.authentication.k8s.io/") + version;
      write_file(server.dir() / "plugin.sh",
                 "#!/bin/sh\n[ \"$1\" = get-token ] || exit 2\n"
                 "printf '{\"apiVersion\":\"" +
                     api +
                     "\",\"kind\":\"ExecCredential\","
                     "\"status\":{\"token\":\"%s\"}}' \"$TOKEN\"\n");
      std::filesystem::permissions(server.dir() / "plugin.sh", std::filesystem::perms::owner_all);
      std::string user = "    exec:\n      apiVersion: " + api +
                         "\n      command: ./plugin.sh\n      args: [get-token]\n"
                         "      env:\n      - name: TOKEN\n        value: tok-alice\n";
      CHECK(top_lines(server, server.write_kubeconfig("c", user, "", "shop")) == kShopTable);
    }
  }
  SECTION("exec plugin returning a client certificate") {
    std::string cert = read_file(certs / "alice.crt");
    std::string key = read_file(certs / "alice.key");
    nlohmann::json credential = {
        {"apiVersion", "client.authentication.k8s.io/v1"},
        {"kind", "ExecCredential"},
        {"status", {{"clientCertificateData", cert}, {"clientKeyData", key}}}};
    write_file(server.dir() / "credential.json", credential.dump());
    write_file(server.dir() / "plugin.sh",
               "#!/bin/sh\ncat \"$(dirname \"$0\")/credential.json\"\n");
    std::filesystem::permissions(server.dir() / "plugin.sh", std::filesystem::perms::owner_all);
    std::string user =
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
        "      command: ./plugin.sh\n";
    CHECK(top_lines(server, server.write_kubeconfig("c", user, "", "shop")) == kShopTable);
    REQUIRE_FALSE(server.requests().empty());
    CHECK(server.requests().back()["user"] == "alice");
  }
  SECTION("in-cluster: service host/port env, token, CA and namespace files") {
    TempDir account;
    write_file(account / "token", "tok-alice");
    std::filesystem::copy_file(certs / "ca.crt", account / "ca.crt");
    write_file(account / "namespace", "shop\n");
    std::string env = "KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=" +
                      std::to_string(server.port()) +
                      " PODFIT_SERVICEACCOUNT_DIR=" + shell_quote(account.path().string());
    auto result = run_podfit("top", server.dir().path().string(), env);
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out == kShopTable);
  }
}

TEST_CASE("TLS is verified unless the kubeconfig says otherwise", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));
  std::string home = server.dir().path().string();
  std::string user = "    token: tok-alice\n";
  SECTION("no CA: the server's certificate is not trusted") {
    std::string kubeconfig = server.write_kubeconfig("c", user, "    tls-server-name: localhost\n");
    auto result = run_podfit("top --kubeconfig " + kubeconfig, home);
    CHECK(result.exit_code == 4);
    CHECK(result.err.find("GET " + server.url() +
                          "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods") !=
          std::string::npos);
    CHECK(result.err.find("certificate") != std::string::npos);
    CHECK(server.requests().empty());
  }
  SECTION("insecure-skip-tls-verify") {
    std::string kubeconfig =
        server.write_kubeconfig("c", user, "    insecure-skip-tls-verify: true\n", "shop");
    CHECK(top_lines(server, kubeconfig) == kShopTable);
  }
  SECTION("tls-server-name: verified for that name, not the URL's host") {
    std::string ca = "    certificate-authority: " + (test_certs() / "ca.crt").string() + "\n";
    std::string good = server.write_kubeconfig(
        "good", user, ca + "    tls-server-name: kubernetes.default.svc\n", "shop");
    CHECK(top_lines(server, good) == kShopTable);
    std::string bad =
        server.write_kubeconfig("bad", user, ca + "    tls-server-name: wrong.example\n", "shop");
    auto result = run_podfit("top --kubeconfig " + bad, home);
    CHECK(result.exit_code == 4);
    CHECK(result.err.find("wrong.example") != std::string::npos);
  }
}

TEST_CASE("auth failures name status and permission, never the secret", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));
  std::string home = server.dir().path().string();
  SECTION("wrong token: 401, one request, no retry") {
    std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-WRONG-secret\n");
    auto result = run_podfit("top --kubeconfig " + kubeconfig, home);
    CHECK(result.exit_code == 4);
    CHECK(result.err.find("HTTP 401 Unauthorized") != std::string::npos);
    CHECK(result.err.find("tok-WRONG-secret") == std::string::npos);
    CHECK(server.requests().size() == 1);
  }
  SECTION("a client certificate from another CA is refused") {
    std::string user = "    client-certificate: " + (test_certs() / "mallory.crt").string() +
                       "\n    client-key: " + (test_certs() / "mallory.key").string() + "\n";
    auto result = run_podfit("top --kubeconfig " + server.write_kubeconfig("c", user), home);
    CHECK(result.exit_code == 4);
  }
  SECTION("403 says which permission is missing") {
    std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-bob\n", "", "shop");
    auto result = run_podfit("top --kubeconfig " + kubeconfig, home);
    CHECK(result.exit_code == 4);
    CHECK(result.err ==
          "podfit: error: GET " + server.url() +
              "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods: HTTP 403 Forbidden: "
              "pods.metrics.k8s.io is forbidden: User \"bob\" cannot list resource \"pods\" in API "
              "group \"metrics.k8s.io\" in the namespace \"shop\"; podfit needs RBAC permission to "
              "list pods in API group \"metrics.k8s.io\" in namespace \"shop\"\n");
    CHECK(result.err.find("tok-bob") == std::string::npos);
  }
}

TEST_CASE("faults: retried when transient, reported when not", "[kube]") {
  auto scenario = load_scenario("basic.json");
  const std::string metrics = "/apis/metrics.k8s.io";
  scenario["faults"] = {
      {{"path_prefix", metrics}, {"count", 2}, {"status", 500}},
      {{"path_prefix", metrics}, {"count", 1}, {"status", 429}, {"retry_after", 1}},
      // twice: curl itself retries once when a kept-alive connection dies
      {{"path_prefix", metrics}, {"count", 2}, {"reset", true}},
      {{"path_prefix", "/api/v1"}, {"count", 1}, {"delay", 3}},
  };
  FakeApiServer server(scenario);
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  auto client = client_for(kubeconfig);
  kube::Scope scope{"shop", false, ""};
  // 500, 500, 429 (+1 s), then a reset connection: four failures, the fifth attempt works
  auto body = kube::fetch_pod_metrics(*client, scope);
  REQUIRE(body);
  CHECK(client->requests_sent() == 5);
  auto pods = kube::parse_pod_metrics_list(*body, "test");
  REQUIRE(pods);
  CHECK(pods->size() == 5);

  // the slow response outlasts a 1 s request timeout: a timeout error, retried
  kube::LoadOptions options;
  options.kubeconfig_flag = kubeconfig;
  auto config = kube::load_connection(options);
  REQUIRE(config);
  net::RetryPolicy retry;
  retry.base_delay_seconds = 0.01;
  auto impatient = kube::ApiClient::connect(*config, {1000, 1000}, retry);
  auto slow = impatient->get("/api/v1/namespaces/shop/pods");
  REQUIRE(slow);
  CHECK(impatient->requests_sent() == 2);
}

TEST_CASE("truncated JSON and a missing metrics API are plain errors", "[kube]") {
  auto scenario = load_scenario("basic.json");
  scenario["faults"] = {
      {{"path_prefix", "/apis/metrics.k8s.io"}, {"count", 1}, {"truncate", true}}};
  FakeApiServer server(scenario);
  std::string home = server.dir().path().string();
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  auto truncated = run_podfit("top --kubeconfig " + kubeconfig, home);
  CHECK(truncated.exit_code == 4);
  CHECK(truncated.err == "podfit: error: GET " + server.url() +
                             "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods: the response is "
                             "not valid JSON (truncated?)\n");

  auto no_metrics = load_scenario("basic.json");
  no_metrics["metrics_available"] = false;
  FakeApiServer bare(no_metrics);
  std::string bare_config = bare.write_kubeconfig("c", "    token: tok-alice\n");
  auto result = run_podfit("top --kubeconfig " + bare_config, bare.dir().path().string());
  CHECK(result.exit_code == 4);
  CHECK(result.err == "podfit: error: Metrics API not available: the cluster at " + bare.url() +
                          " does not serve metrics.k8s.io (is metrics-server installed and "
                          "running?)\n");
  auto kubectl = run_kubectl("top pod --kubeconfig " + bare_config, bare.dir().path().string());
  CHECK(kubectl.err.find("Metrics API not available") != std::string::npos);
}

TEST_CASE("live state: pods, owners up the chain, resources, OOM kills (paged)", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));
  auto client = client_for(server.write_kubeconfig("c", "    token: tok-alice\n"));
  auto state = kube::read_live_state(*client, {"", true, ""}, 2);
  REQUIRE(state);
  REQUIRE(state->pods.size() == 7);
  std::map<std::string, const kube::LivePod*> by_name;
  for (const auto& pod : state->pods) by_name[pod.name] = &pod;
  CHECK(by_name.at("web-7d9f8b6c5d-abcde")->owner == WorkloadRef{"shop", "Deployment", "web"});
  CHECK(by_name.at("db-0")->owner == WorkloadRef{"shop", "StatefulSet", "db"});
  CHECK(by_name.at("report-28391234-xk2lp")->owner == WorkloadRef{"shop", "CronJob", "report"});
  CHECK(by_name.at("kube-proxy-x7k2p")->owner ==
        WorkloadRef{"kube-system", "DaemonSet", "kube-proxy"});
  CHECK(by_name.at("coredns-5d78c9869d-q2w3e")->owner ==
        WorkloadRef{"kube-system", "Deployment", "coredns"});
  CHECK(by_name.at("orphan")->owner == WorkloadRef{"shop", "Pod", "orphan"});
  CHECK(by_name.at("web-7d9f8b6c5d-abcde")->labels == Labels{{"app", "web"}, {"tier", "frontend"}});

  const auto& nginx = by_name.at("web-7d9f8b6c5d-abcde")->containers.at(0);
  CHECK(nginx.current.cpu_request == ResourceValue{0.1, "100m"});
  CHECK(nginx.current.memory_request == ResourceValue{128.0 * 1024 * 1024, "128Mi"});
  CHECK(nginx.current.memory_limit == ResourceValue{256.0 * 1024 * 1024, "256Mi"});
  CHECK_FALSE(nginx.current.cpu_limit);
  CHECK_FALSE(kube::oom_memory_floor_bytes(nginx));

  const auto& job = by_name.at("report-28391234-xk2lp")->containers.at(0);
  CHECK(job.restart_count == 1);
  CHECK(job.oom_killed());
  CHECK(kube::oom_memory_floor_bytes(job) == Approx(64.0 * 1024 * 1024 * 1.2));

  // 7 pods at 2 per page: 4 pages; each owner looked up once (2 ReplicaSets, 1 Job)
  int pages = 0, owner_lookups = 0;
  for (const auto& request : server.requests()) {
    std::string path = request["path"];
    pages += path.rfind("/api/v1/pods?limit=2", 0) == 0;
    owner_lookups +=
        path.find("/replicasets/") != std::string::npos || path.find("/jobs/") != std::string::npos;
  }
  CHECK(pages == 4);
  CHECK(owner_lookups == 3);
}

}  // namespace podfit::test

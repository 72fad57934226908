// ApiClient against a scripted transport: retries, backoff, errors, credentials.
#include <catch2/catch.hpp>

#include <deque>

#include "podfit/kube/client.hpp"
#include "podfit/kube/credentials.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

using net::HttpRequest;
using net::HttpResponse;
using net::TransportError;

// Replays scripted outcomes and remembers every request.
class ScriptedTransport : public net::HttpTransport {
 public:
  using Outcome = tl::expected<net::HttpResponse, net::TransportError>;
  std::deque<Outcome> script;
  std::vector<net::HttpRequest> seen;

  Outcome get(const net::HttpRequest& request) override {
    seen.push_back(request);
    if (script.empty()) return net::HttpResponse{200, "{}", ""};
    Outcome next = script.front();
    script.pop_front();
    return next;
  }
};

struct Harness {
  ScriptedTransport* transport = nullptr;
  std::vector<double> sleeps;
  std::unique_ptr<kube::ApiClient> client;

  explicit Harness(kube::ConnectionConfig config = default_config()) {
    auto owned = std::make_unique<ScriptedTransport>();
    transport = owned.get();
    net::RetryPolicy retry;
    retry.sleep = [this](double seconds) { sleeps.push_back(seconds); };
    retry.random = [] { return 0.5; };  // jitter factor 0.75
    client = std::make_unique<kube::ApiClient>(config, std::move(owned), retry);
  }
  static kube::ConnectionConfig default_config() {
    kube::ConnectionConfig config;
    config.cluster.server = "https://api.example:6443";
    config.user.token = "super-secret-token";
    config.user_name = "alice";
    config.origin = "kubeconfig /k, context prod";
    return config;
  }
};

std::string status_body(const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message + "\"}";
}

std::string header_value(const net::HttpRequest& request, const std::string& name) {
  for (const auto& header : request.headers) {
    if (header.rfind(name + ": ", 0) == 0) return header.substr(name.size() + 2);
  }
  return "";
}

}  // namespace

TEST_CASE("retries 5xx and connection errors with exponential backoff and jitter", "[kube]") {
  Harness harness;
  harness.transport->script = {net::HttpResponse{500, status_body("boom"), ""},
                               tl::unexpected(net::TransportError{"Connection refused", true}),
                               net::HttpResponse{503, "", ""},
                               net::HttpResponse{200, "{\"ok\":1}", ""}};
  auto body = harness.client->get("/api/v1/pods");
  REQUIRE(body);
  CHECK(*body == "{\"ok\":1}");
  CHECK(harness.transport->seen.size() == 4);
  // base 0.25 s doubling, times the jitter factor 0.5 + 0.5 * 0.5
  CHECK(harness.sleeps == std::vector<double>{0.25 * 0.75, 0.5 * 0.75, 1.0 * 0.75});
  CHECK(header_value(harness.transport->seen[0], "Authorization") == "Bearer super-secret-token");
}

TEST_CASE("429 waits as long as Retry-After says", "[kube]") {
  Harness harness;
  harness.transport->script = {net::HttpResponse{429, status_body("slow down"), "3"},
                               net::HttpResponse{200, "{}", ""}};
  REQUIRE(harness.client->get("/apis"));
  CHECK(harness.sleeps == std::vector<double>{3.0});
}

TEST_CASE("gives up after max attempts and names URL and status", "[kube]") {
  Harness harness;
  for (int i = 0; i < 5; ++i) harness.transport->script.push_back(net::HttpResponse{502, "", ""});
  auto body = harness.client->get("/api/v1/pods");
  REQUIRE_FALSE(body);
  CHECK(body.error().message ==
        "GET https://api.example:6443/api/v1/pods: HTTP 502 Bad Gateway (after 5 attempts)");
  CHECK(harness.sleeps.size() == 4);
}

TEST_CASE("4xx is not retried, 403 names the missing permission", "[kube]") {
  Harness harness;
  harness.transport->script = {net::HttpResponse{403, status_body("pods is forbidden"), ""}};
  auto body = harness.client->get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods");
  REQUIRE_FALSE(body);
  CHECK(harness.transport->seen.size() == 1);
  CHECK(harness.sleeps.empty());
  CHECK(body.error().message ==
        "GET https://api.example:6443/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods: HTTP 403 "
        "Forbidden: pods is forbidden; podfit needs RBAC permission to list pods in API group "
        "\"metrics.k8s.io\" in namespace \"shop\"");
  CHECK(kube::permission_for_path("/api/v1/pods?limit=500") ==
        "list pods in API group \"\" at cluster scope");
  CHECK(kube::permission_for_path("/apis/apps/v1/namespaces/a/replicasets/web-1") ==
        "get replicasets in API group \"apps\" in namespace \"a\"");
}

TEST_CASE("401 says whose credentials failed and never shows the token", "[kube]") {
  Harness harness;
  harness.transport->script = {net::HttpResponse{401, status_body("Unauthorized"), ""}};
  auto body = harness.client->get("/api/v1/pods");
  REQUIRE_FALSE(body);
  CHECK(harness.transport->seen.size() == 1);
  CHECK(body.error().message.find("HTTP 401 Unauthorized") != std::string::npos);
  CHECK(body.error().message.find("user \"alice\"") != std::string::npos);
  CHECK(body.error().message.find("super-secret-token") == std::string::npos);
}

TEST_CASE("a non-retryable transport error fails at once", "[kube]") {
  Harness harness;
  harness.transport->script = {
      tl::unexpected(net::TransportError{"SSL peer certificate bad", false})};
  auto body = harness.client->get("/api");
  REQUIRE_FALSE(body);
  CHECK(body.error().message == "GET https://api.example:6443/api: SSL peer certificate bad");
  CHECK(harness.sleeps.empty());
}

TEST_CASE("basic auth and token files", "[kube]") {
  TempDir dir;
  SECTION("basic auth header is base64(user:password)") {
    auto config = Harness::default_config();
    config.user = {};
    config.user.username = "carol";
    config.user.password = "pw:with:colons";
    Harness harness(config);
    REQUIRE(harness.client->get("/api"));
    auto expected =
        run_command(python() +
                    " -c 'import base64; "
                    "print(base64.b64encode(b\"carol:pw:with:colons\").decode(), end=\"\")'");
    CHECK(header_value(harness.transport->seen[0], "Authorization") == "Basic " + expected.out);
  }
  SECTION("a rotated token file is re-read") {
    write_file(dir / "token", "first-token\n");
    kube::UserInfo user;
    user.token_file = (dir / "token").string();
    kube::CredentialProvider provider(user, {});
    auto first = provider.current();
    REQUIRE(first);
    CHECK(first->authorization == "Bearer first-token");
    write_file(dir / "token", "second-token-longer\n");
    auto second = provider.current();
    REQUIRE(second);
    CHECK(second->authorization == "Bearer second-token-longer");
    std::filesystem::remove(dir / "token");
    auto gone = provider.current();
    REQUIRE_FALSE(gone);
    CHECK(gone.error().message.rfind("token file " + (dir / "token").string(), 0) == 0);
  }
}

TEST_CASE("exec plugin: run with args and env, cached until expiry", "[kube]") {
  TempDir dir;
  // The plugin counts its runs and echoes what it was given into the token.
  write_file(dir / "plugin.sh",
             "#!/bin/sh\n"
             "echo run >> \"$COUNT_FILE\"\n"
             "n=$(wc -l < \"$COUNT_FILE\" | tr -d ' ')\n"
             "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 3;; esac\n"
             "printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":"
             "{\"token\":\"tok-%s-%s-%s\",\"expirationTimestamp\":\"%s\"}}' "
             "\"$API\" \"$1\" \"$REGION\" \"$n\" \"$EXPIRY\"\n");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  kube::UserInfo user;
  kube::ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1";
  exec.command = (dir / "plugin.sh").string();
  exec.args = {"prod"};
  exec.env = {{"REGION", "eu"},
              {"COUNT_FILE", (dir / "count").string()},
              {"API", "client.authentication.k8s.io/v1"},
              {"EXPIRY", "2030-01-01T00:00:00Z"}};
  user.exec = exec;
  std::int64_t now = 1893455000;  // 2029-12-31T23:43:20Z
  kube::CredentialProvider provider(user, {}, [&] { return now; });

  auto first = provider.current();
  REQUIRE(first);
  CHECK(first->authorization == "Bearer tok-prod-eu-1");
  now += 60;
  CHECK(provider.current()->authorization == "Bearer tok-prod-eu-1");  // cached
  CHECK(provider.exec_runs() == 1);
  now = 1893456000;  // the expiry itself
  CHECK(provider.current()->authorization == "Bearer tok-prod-eu-2");
  CHECK(provider.exec_runs() == 2);
  CHECK(provider.forget_after_unauthorized());
  CHECK(provider.current()->authorization == "Bearer tok-prod-eu-3");

  SECTION("a mismatched apiVersion is an error naming the plugin") {
    user.exec->env[2].second = "client.authentication.k8s.io/v1beta1";
    kube::CredentialProvider mismatched(user, {});
    auto result = mismatched.current();
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find(
              "returned apiVersion \"client.authentication.k8s.io/v1beta1\"") != std::string::npos);
  }
  SECTION("a failing plugin reports its exit status and install hint, not its output") {
    write_file(dir / "plugin.sh", "#!/bin/sh\necho secret-output\nexit 7\n");
    kube::CredentialProvider failing(user, {});
    auto result = failing.current();
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "exec plugin \"" + exec.command + "\": exited with status 7");
    user.exec->command = (dir / "absent").string();
    user.exec->install_hint = "install it with apt";
    kube::CredentialProvider absent(user, {});
    CHECK(absent.current().error().message.find("install it with apt") != std::string::npos);
  }
}

}  // namespace podfit::test

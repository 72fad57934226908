// The report ConfigMap pieces: the PATCH request, the size limit, names, and reading a
// recommendations.json tolerantly.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/published.hpp"
#include "podfit/kube/configmap.hpp"
#include "podfit/report/report.hpp"

namespace podfit::test {

namespace {

class RecordingTransport : public net::HttpTransport {
 public:
  std::vector<net::HttpRequest> seen;
  long status = 200;
  tl::expected<net::HttpResponse, net::TransportError> get(
      const net::HttpRequest& request) override {
    seen.push_back(request);
    return net::HttpResponse{status, R"({"kind":"ConfigMap"})", ""};
  }
};

struct Client {
  RecordingTransport* transport;
  std::unique_ptr<kube::ApiClient> client;
  Client() {
    auto owned = std::make_unique<RecordingTransport>();
    transport = owned.get();
    kube::ConnectionConfig config;
    config.cluster.server = "https://api.example:6443";
    config.user.token = "super-secret-token";
    net::RetryPolicy retry;
    retry.sleep = [](double) {};
    client = std::make_unique<kube::ApiClient>(config, std::move(owned), retry);
  }
};

bool has_header(const net::HttpRequest& request, const std::string& header) {
  for (const auto& line : request.headers) {
    if (line == header) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the report is one JSON merge patch of data and annotations", "[kube][report]") {
  Client api;
  kube::ConfigMapRef ref{"podfit", "podfit-report"};
  auto sent = kube::patch_configmap(*api.client, ref, {.data = {{"report.md", "# hi\n"}}},
                                    {{"podfit/generated-at", "2024-08-23T10:00:00Z"}});
  REQUIRE(sent.has_value());
  REQUIRE(api.transport->seen.size() == 1);
  const auto& request = api.transport->seen[0];
  CHECK(request.method == "PATCH");
  CHECK(request.url ==
        "https://api.example:6443/api/v1/namespaces/podfit/configmaps/podfit-report");
  CHECK(has_header(request, "Content-Type: application/merge-patch+json"));
  CHECK(has_header(request, "Authorization: Bearer super-secret-token"));
  auto body = nlohmann::json::parse(request.post_body);
  CHECK(body ==
        nlohmann::json{
            {"data", {{"report.md", "# hi\n"}}},
            {"metadata", {{"annotations", {{"podfit/generated-at", "2024-08-23T10:00:00Z"}}}}}});
}

TEST_CASE("a report over the ConfigMap limit is refused before sending", "[kube][report]") {
  Client api;
  kube::ConfigMapRef ref{"podfit", "podfit-report"};
  // Keys count too: 1 MiB exactly is accepted, one byte more is not.
  std::string key = "report.md";
  std::string fits(kube::kConfigMapMaxBytes - key.size(), 'x');
  CHECK(kube::configmap_data_bytes({{key, fits}}) == 1048576);
  CHECK(kube::patch_configmap(*api.client, ref, {.data = {{key, fits}}}, {}).has_value());
  auto over = kube::patch_configmap(*api.client, ref, {.data = {{key, fits + "x"}}}, {});
  REQUIRE_FALSE(over.has_value());
  CHECK(api.transport->seen.size() == 1);  // only the first one went out
  CHECK(over.error().message.find("PATCH https://api.example:6443/api/v1/namespaces/podfit/"
                                  "configmaps/podfit-report: not sent: the report is 1048577 "
                                  "bytes (report.md 1048568), over the 1048576-byte") == 0);
  CHECK(over.error().message.find("super-secret") == std::string::npos);
}

TEST_CASE("PATCH errors name the URL, the status and the missing verb", "[kube][report]") {
  Client api;
  api.transport->status = 403;
  auto denied = kube::patch_configmap(*api.client, {"podfit", "x"}, {.data = {{"a", "b"}}}, {});
  REQUIRE_FALSE(denied.has_value());
  CHECK(denied.error().message ==
        "PATCH https://api.example:6443/api/v1/namespaces/podfit/configmaps/x: HTTP 403 "
        "Forbidden; podfit needs RBAC permission to patch configmaps in API group \"\" in "
        "namespace \"podfit\"");
}

TEST_CASE("ConfigMap names are checked before they reach a URL", "[kube][report]") {
  auto plain = kube::parse_configmap_ref("podfit-report", "podfit");
  REQUIRE(plain.has_value());
  CHECK(plain->namespace_name == "podfit");
  CHECK(plain->name == "podfit-report");
  auto qualified = kube::parse_configmap_ref("tools/report.v1", "podfit");
  REQUIRE(qualified.has_value());
  CHECK(qualified->namespace_name == "tools");
  CHECK(qualified->name == "report.v1");
  for (const char* bad : {"", "../secrets", "a/b/c", "Report", "ns/", "/name", "x?y", "-x"}) {
    INFO(bad);
    CHECK_FALSE(kube::parse_configmap_ref(bad, "podfit").has_value());
  }
}

TEST_CASE("recommendations.json reads back, ignoring fields it does not know", "[kube][report]") {
  std::string text = R"({"generator": "podfit 9", "recommendations": [
    {"namespace": "shop", "kind": "Deployment", "workload": "api", "container": "app",
     "pods": 2, "samples": 480, "window_seconds": 7200,
     "cpu": {"mean": 0.01, "p50": 0.008, "p90": 0.02, "p95": 0.03, "p99": 0.04, "max": 0.1,
             "burst_ratio": 12.5, "trend": "flat"},
     "memory": {"p50": 1e6, "max": 2e6},
     "current": {"requests": {"cpu": "2m", "memory": "24Mi"}, "limits": {}},
     "recommended": {"requests": {"cpu": "25m", "memory": "64Mi"},
                     "limits": {"cpu": "125m", "memory": "80Mi"}},
     "has_recommendation": true, "changes": true, "confidence": {"level": "high"},
     "events": {"restarts": 3, "oom_kills": 1}, "reason": "why"},
    {"kind": "DaemonSet|Job", "workload": "agent", "container": "a"}]})";
  auto parsed = report::parse_recommendations_json(text, "cm report");
  REQUIRE(parsed.has_value());
  REQUIRE(parsed->size() == 2);
  const auto& first = (*parsed)[0];
  CHECK(first.stats.workload.display() == WorkloadRef{"shop", "Deployment", "api"}.display());
  CHECK(first.stats.samples == 480);
  CHECK(first.stats.cpu.p95 == 0.03);
  CHECK(first.stats.memory.max == 2e6);
  REQUIRE(first.current.memory_request);
  CHECK(first.current.memory_request->amount == 24.0 * 1024 * 1024);
  CHECK_FALSE(first.current.cpu_limit);
  REQUIRE(first.recommended.cpu_limit);
  CHECK(first.recommended.cpu_limit->text == "125m");
  CHECK(first.recommended.cpu_limit->amount == Approx(0.125));
  CHECK(first.has_recommendation);
  CHECK(first.changes());
  CHECK(first.events.oom_kills == 1);
  CHECK(first.reason == "why");
  const auto& second = (*parsed)[1];
  CHECK(second.stats.workload.namespace_name.empty());
  CHECK_FALSE(second.has_recommendation);
  CHECK(second.recommended.empty());

  auto bad_quantity = report::parse_recommendations_json(
      R"({"recommendations": [{"kind": "Deployment", "workload": "w", "container": "c",
          "recommended": {"requests": {"cpu": "lots"}}}]})",
      "cm report");
  REQUIRE_FALSE(bad_quantity.has_value());
  CHECK(bad_quantity.error().message.find("cm report: recommendations[0] recommended requests") ==
        0);
  auto no_kind = report::parse_recommendations_json(
      R"({"recommendations": [{"workload": "w", "container": "c"}]})", "cm report");
  REQUIRE_FALSE(no_kind.has_value());
  CHECK(no_kind.error().message == "cm report: recommendations[0]: no \"kind\"");
  CHECK_FALSE(report::parse_recommendations_json("[]", "x").has_value());
  CHECK_FALSE(report::parse_recommendations_json("{", "x").has_value());
}

TEST_CASE("the published strategic patches name the kubectl command that applies them",
          "[kube][report]") {
  policy::Recommendation api;
  api.stats.workload = {"shop", "Deployment", "api"};
  api.stats.container = "app";
  api.current.cpu_request = ResourceValue{0.002, "2m"};
  api.recommended.cpu_request = ResourceValue{0.025, "25m"};
  api.has_recommendation = true;
  policy::Recommendation same = api;
  same.stats.container = "same";
  same.recommended = same.current;
  policy::Recommendation unknown_kind = api;
  unknown_kind.stats.workload.kind = "DaemonSet|Job";
  std::string patches = report::kubectl_patches({api, same, unknown_kind});
  CHECK(patches ==
        "# kubectl -n shop patch deployment api --type strategic -p "
        "'spec: {template: {spec: {containers: [{name: app, resources: {requests: {cpu: "
        "25m}}}]}}}'\n"
        "spec: {template: {spec: {containers: [{name: app, resources: {requests: {cpu: "
        "25m}}}]}}}\n");
}

TEST_CASE("a report over 1 MiB as text goes gzipped under binaryData", "[kube][report]") {
  std::string big(700 * 1024, 'x'), also_big(400 * 1024, 'y');
  std::map<std::string, std::string> small{{"report.md", "# hi\n"}, {"a.json", "{}"}};
  kube::ConfigMapUpdate as_text = kube::report_update(small);
  CHECK(as_text.data == small);
  CHECK(as_text.binary_data.empty());
  CHECK(as_text.removed == std::vector<std::string>{"a.json.gz", "report.md.gz"});

  std::map<std::string, std::string> large{{"report.md", big}, {"a.json", also_big}};
  kube::ConfigMapUpdate packed = kube::report_update(large);
  CHECK(packed.data.empty());
  CHECK(packed.removed == std::vector<std::string>{"a.json", "report.md"});
  REQUIRE(packed.binary_data.size() == 2);
  CHECK(kube::configmap_update_bytes(packed) < 10 * 1024);

  Client api;
  REQUIRE(kube::patch_configmap(*api.client, {"podfit", "r"}, packed, {}));
  auto body = nlohmann::json::parse(api.transport->seen.at(0).post_body);
  CHECK(body["data"] == nlohmann::json{{"a.json", nullptr}, {"report.md", nullptr}});
  CHECK(body["binaryData"]["report.md.gz"].is_string());
  CHECK(body["binaryData"]["a.json.gz"].is_string());

  // What a GET gives back reads as the original text, from either form.
  kube::ConfigMapContent content;
  content.binary_data = packed.binary_data;
  auto read = kube::report_file(content, "report.md", "cm r");
  REQUIRE(read);
  REQUIRE(*read);
  CHECK(**read == big);
  content.data["a.json"] = "{\"plain\": true}";
  auto plain = kube::report_file(content, "a.json", "cm r");
  REQUIRE(plain);
  CHECK(**plain == "{\"plain\": true}");
  auto missing = kube::report_file(content, "other", "cm r");
  REQUIRE(missing);
  CHECK_FALSE(*missing);
  content.binary_data["report.md.gz"].resize(20);
  auto damaged = kube::report_file(content, "report.md", "cm r");
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().message == "cm r binaryData report.md.gz: gzip: data cut short");
}

}  // namespace podfit::test

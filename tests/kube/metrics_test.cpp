// The PodMetricsList reader against Python's json module on awkward input.
#include <catch2/catch.hpp>

#include "podfit/kube/metrics.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

// Python's reading of the same text: one "ns|name|timestamp|container=cpu,memory;..." per pod.
std::string python_summary(const std::string& body) {
  auto result = run_command(python() +
                                " -c 'import json,sys\n"
                                "for p in json.load(sys.stdin)[\"items\"]:\n"
                                "  m=p[\"metadata\"]\n"
                                "  cs=\";\".join(\"%s=%s,%s\" % (c[\"name\"], "
                                "c[\"usage\"][\"cpu\"], c[\"usage\"][\"memory\"]) "
                                "for c in p[\"containers\"])\n"
                                "  sys.stdout.write(\"%s|%s|%s|%s\\n\" % (m[\"namespace\"], "
                                "m[\"name\"], p[\"timestamp\"], cs))'",
                            body);
  REQUIRE(result.exit_code == 0);
  return result.out;
}

std::string our_summary(const std::vector<kube::PodUsage>& pods) {
  std::string out;
  for (const auto& pod : pods) {
    out += pod.namespace_name + "|" + pod.name + "|" + pod.timestamp + "|";
    for (std::size_t i = 0; i < pod.containers.size(); ++i) {
      const auto& c = pod.containers[i];
      out += (i ? ";" : "") + c.name + "=" + c.cpu + "," + c.memory;
    }
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("PodMetricsList reader agrees with Python's json", "[kube]") {
  std::string body = R"({
  "kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
  "metadata": {"selfLink": "/x", "extra": [1, -2.5e3, true, null, {"containers": "decoy"}]},
  "items": [
    {"metadata": {"name": "a\u00e9\"q\\", "namespace": "n\/s", "labels": {"name": "not-it"},
                  "annotations": {"timestamp": "decoy"}},
     "timestamp": "2024-01-01T00:00:00Z", "window": "15s",
     "containers": [{"name": "c1", "usage": {"cpu": "12n", "memory": "3Ki"}},
                    {"usage": {"memory": "1Mi", "cpu": "1"}, "name": "c\ud83d\ude00"}]},
    {"timestamp": "2024-01-01T00:00:15Z", "metadata": {"namespace": "x", "name": "b"},
     "containers": []}
  ]
})";
  auto pods = kube::parse_pod_metrics_list(body, "test");
  REQUIRE(pods);
  REQUIRE(pods->size() == 2);
  CHECK(our_summary(*pods) == python_summary(body));
  CHECK((*pods)[0].name == "a\xc3\xa9\"q\\");
}

TEST_CASE("PodMetricsList reader rejects truncated and wrong-shaped input", "[kube]") {
  std::string good =
      R"({"kind":"PodMetricsList","items":[{"metadata":{"name":"a"},"containers":[]}]})";
  REQUIRE(kube::parse_pod_metrics_list(good, "u"));
  for (std::size_t cut = 1; cut < good.size(); cut += 7) {
    INFO("cut at " << cut);
    auto parsed = kube::parse_pod_metrics_list(good.substr(0, cut), "u");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message == "u: the response is not valid JSON (truncated?)");
  }
  auto no_items = kube::parse_pod_metrics_list(R"({"kind":"Status"})", "u");
  REQUIRE_FALSE(no_items);
  CHECK(no_items.error().message == "u: expected a PodMetricsList with an \"items\" list");
  CHECK_FALSE(kube::parse_pod_metrics_list(R"({"items":[]} extra)", "u"));
  CHECK_FALSE(kube::parse_pod_metrics_list(R"({"items":[{"metadata":{}}]})", "u"));
}

TEST_CASE("metrics paths encode namespace and selector", "[kube]") {
  CHECK(kube::pod_metrics_path({"shop", false, ""}) ==
        "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods");
  CHECK(kube::pod_metrics_path({"shop", true, "app in (a,b),tier!=db"}) ==
        "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb");
}

TEST_CASE("PodMetricsList reader bounds nesting and checks the kind", "[kube][security]") {
  std::string deep(100000, '[');
  auto nested = kube::parse_pod_metrics_list(deep, "u");  // was a stack overflow
  REQUIRE_FALSE(nested);
  CHECK_THAT(nested.error().message, Catch::StartsWith("u: the response nests deeper than 64"));
  auto other = kube::parse_pod_metrics_list(R"({"kind":"PodList","items":[]})", "u");
  REQUIRE_FALSE(other);
  CHECK(other.error().message == "u: expected a PodMetricsList, got kind \"PodList\"");
  auto fine = kube::parse_pod_metrics_list(
      R"({"kind":"PodMetricsList","items":[{"metadata":{"name":"a","namespace":"n",)"
      R"("labels":{"x":"y"}},"timestamp":"2024-08-23T10:00:00Z","window":"15s",)"
      R"("containers":[{"name":"c","usage":{"cpu":"1m","memory":"1Mi"}}]}]})",
      "u");
  REQUIRE(fine);
  CHECK(fine->size() == 1);
}

}  // namespace podfit::test

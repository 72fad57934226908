// Answers an API server (or a proxy in front of it) should not send: a small gzip body
// that inflates past the answer cap, and an error page that quotes the credentials.
#include <catch2/catch.hpp>

#include "kube/fake_server.hpp"

using podfit::test::FakeApiServer;
using podfit::test::load_scenario;
using podfit::test::run_podfit;

TEST_CASE("an answer that inflates past the cap is refused, and only gzip is asked for",
          "[kube][hostile]") {
  auto scenario = load_scenario("basic.json");
  scenario["faults"] = {{{"path_prefix", "/apis/metrics.k8s.io"}, {"count", 1}, {"gzip_mib", 48}}};
  FakeApiServer server(scenario);
  std::string home = server.dir().path().string();
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  auto capped = run_podfit("top --kubeconfig " + kubeconfig, home, "PODFIT_MAX_ANSWER_MIB=16");
  CHECK(capped.exit_code == 4);
  CHECK_THAT(capped.err, Catch::Contains("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods: the "
                                         "answer is larger than 16 MiB once decompressed (set "
                                         "PODFIT_MAX_ANSWER_MIB to allow more)"));
  bool asked = false;
  for (const auto& request : server.requests()) {
    CHECK(request["accept_encoding"] == "gzip");  // not deflate, br or zstd
    asked = true;
  }
  CHECK(asked);
  // The same answer within the default cap is read (and is an empty list: no pods).
  auto scenario_again = load_scenario("basic.json");
  scenario_again["faults"] = {
      {{"path_prefix", "/apis/metrics.k8s.io"}, {"count", 1}, {"gzip_mib", 48}}};
  FakeApiServer roomy(scenario_again);
  auto read = run_podfit("top --kubeconfig " +
                             roomy.write_kubeconfig("c", "    token: tok-alice\n", "", "shop"),
                         roomy.dir().path().string());
  CHECK_THAT(read.err, !Catch::Contains("larger than"));
}

TEST_CASE("an error page that echoes the token or password prints neither",
          "[kube][hostile]") {
  auto scenario = load_scenario("basic.json");
  scenario["faults"] = {
      {{"path_prefix", "/apis/metrics.k8s.io"}, {"count", 9}, {"echo_authorization", true}}};
  FakeApiServer server(scenario);
  std::string home = server.dir().path().string();
  auto bearer = run_podfit(
      "top --kubeconfig " + server.write_kubeconfig("t", "    token: tok-alice\n", "", "shop"),
      home);
  CHECK(bearer.exit_code == 4);
  CHECK_THAT(bearer.err, Catch::Contains("denied: Bearer ***"));
  CHECK_THAT(bearer.out + bearer.err, !Catch::Contains("tok-alice"));

  auto basic = run_podfit("top --kubeconfig " +
                              server.write_kubeconfig(
                                  "b", "    username: carol\n    password: s3cret-pw\n", "", "shop"),
                          home);
  CHECK(basic.exit_code == 4);
  CHECK_THAT(basic.err, Catch::Contains("denied: Basic ***"));
  CHECK_THAT(basic.out + basic.err, !Catch::Contains("s3cret-pw"));
  CHECK_THAT(basic.out + basic.err, !Catch::Contains("Y2Fyb2w6czNjcmV0LXB3"));  // its base64
}

TEST_CASE("a kubeconfig server that is not an http(s) URL is named without its password",
          "[kube][hostile]") {
  podfit::test::TempDir dir;
  podfit::test::write_file(dir / "config", R"(apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c
  cluster: {server: "htps://admin:PLANTED-pw@127.0.0.1:6443"}
users:
- name: u
  user: {token: t}
contexts:
- name: a
  context: {cluster: c, user: u}
)");
  auto result = run_podfit("top --kubeconfig " + (dir / "config").string(), dir.path().string());
  CHECK(result.exit_code == 4);
  CHECK_THAT(result.err, Catch::Contains("server is not an http(s) URL (https://HOST[:PORT])"));
  CHECK_THAT(result.out + result.err, !Catch::Contains("PLANTED-pw"));
}

// kubeconfig loading and merging; kubectl itself is the reference for merging.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include "podfit/net/base64.hpp"

#include "podfit/kube/kubeconfig.hpp"
#include "podfit/yaml/yaml_json.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

using kube::LoadOptions;

// `kubectl config view --minify` of the merged files: kubectl's own answer.
std::string kubectl_view(const std::string& kubeconfig_env, const std::string& jsonpath,
                         const std::string& flags = "") {
  auto result = run_command("KUBECONFIG=" + shell_quote(kubeconfig_env) +
                            " /usr/bin/kubectl config view --minify " + flags +
                            " -o jsonpath=" + shell_quote(jsonpath));
  REQUIRE(result.exit_code == 0);
  return result.out;
}

const char* kFirst = R"(apiVersion: v1
kind: Config
# written the way kubectl writes it: sequences at their key's indentation
clusters:
- cluster:
    certificate-authority: certs/ca.crt
    server: https://first.example:6443
  name: shared
- cluster:
    server: "https://only-first.example"   # quoted
    insecure-skip-tls-verify: true
  name: first-only
contexts:
- context: {cluster: shared, user: alice, namespace: team-a}
  name: ctx-a
users:
- name: alice
  user:
    token: 'tok-''a'''
current-context: ctx-a
)";

const char* kSecond = R"(apiVersion: v1
clusters:
  - name: shared
    cluster:
      server: https://second.example:6443
  - name: second-only
    cluster:
      server: https://second-only.example
      tls-server-name: api.internal
contexts:
  - name: ctx-b
    context:
      cluster: second-only
      user: bob
  - name: ctx-a
    context:
      cluster: second-only
      user: bob
users:
  - name: bob
    user:
      client-certificate: bob.crt
      client-key: /abs/bob.key
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: ./bin/get-token
        args: ["--cluster", prod]
        env:
        - name: REGION
          value: eu-west-1
current-context: ctx-b
)";

// Kubeconfigs are read through the manifest module's YAML (yaml-cpp) as JSON.
podfit::Result<nlohmann::json> parse_yaml(const std::string& text, const std::string& origin) {
  auto json = podfit::yaml::yaml_to_json(text, origin);
  if (!json) return tl::unexpected(json.error());
  return nlohmann::json::parse(*json);
}

}  // namespace

TEST_CASE("kubeconfig YAML reads kubeconfig shapes and reports bad lines", "[kube]") {
  auto parsed = parse_yaml(kFirst, "first.yaml");
  REQUIRE(parsed);
  CHECK((*parsed)["clusters"].size() == 2);
  CHECK((*parsed)["clusters"][0]["cluster"]["server"] == "https://first.example:6443");
  CHECK((*parsed)["clusters"][1]["cluster"]["server"] == "https://only-first.example");
  CHECK((*parsed)["clusters"][1]["cluster"]["insecure-skip-tls-verify"] == true);
  CHECK((*parsed)["contexts"][0]["context"]["namespace"] == "team-a");
  CHECK((*parsed)["users"][0]["user"]["token"] == "tok-'a'");

  auto second = parse_yaml(kSecond, "second.yaml");
  REQUIRE(second);
  CHECK((*second)["users"][0]["user"]["exec"]["args"] == nlohmann::json({"--cluster", "prod"}));
  CHECK((*second)["users"][0]["user"]["exec"]["env"][0]["value"] == "eu-west-1");

  auto block = parse_yaml("a: |\n  line one\n  line two\nb: x\n", "b.yaml");
  REQUIRE(block);
  CHECK((*block)["a"] == "line one\nline two\n");
  CHECK((*block)["b"] == "x");

  auto bad = parse_yaml("clusters:\n- name: a\n   server: x\n", "bad.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.rfind("bad.yaml:3:", 0) == 0);
  auto tab = parse_yaml("a:\n\tb: c\n", "tab.yaml");
  REQUIRE_FALSE(tab);
  CHECK(tab.error().message.rfind("tab.yaml:2:", 0) == 0);
  auto unterminated = parse_yaml("a: [x, y\n", "u.yaml");
  REQUIRE_FALSE(unterminated);
  // yaml-cpp finds an unclosed flow sequence at the end of the input: line 2.
  CHECK(unterminated.error().message.rfind("u.yaml:2:", 0) == 0);
}

TEST_CASE("base64 round trip matches Python's encoder", "[kube]") {
  std::string text = "carol:s3cret-pw\xff\x01";
  auto python_out =
      run_command(python() +
                      " -c 'import base64,sys; "
                      "sys.stdout.write(base64.b64encode(sys.stdin.buffer.read()).decode())'",
                  text);
  CHECK(net::base64_encode(text) == python_out.out);
  CHECK(net::base64_decode(python_out.out) == text);
  CHECK_FALSE(net::base64_decode("not*base64"));
}

TEST_CASE("KUBECONFIG files merge with kubectl's rules", "[kube]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "one");
  std::filesystem::create_directories(dir / "two");
  std::filesystem::create_directories(dir / "one/certs");
  write_file(dir / "one/certs/ca.crt", "CA");
  write_file(dir / "one/config", kFirst);
  write_file(dir / "two/config", kSecond);
  std::string list = (dir / "one/config").string() + ":" + (dir / "missing").string() + ":" +
                     (dir / "two/config").string();
  LoadOptions options;
  options.kubeconfig_env = list;

  SECTION("current-context and entries: the first file to define them wins") {
    auto config = kube::load_connection(options);
    REQUIRE(config);
    CHECK(config->context == kubectl_view(list, "{.current-context}"));
    CHECK(config->cluster.server == kubectl_view(list, "{.clusters[0].cluster.server}"));
    CHECK(config->cluster.server == "https://first.example:6443");
    CHECK(config->namespace_name == kubectl_view(list, "{.contexts[0].context.namespace}"));
    CHECK(config->user.token == "tok-'a'");
    // kubectl resolves relative paths against the file that holds them
    CHECK(config->cluster.ca_file == (dir / "one/certs/ca.crt").string());
  }
  SECTION("--context picks another context; its user's exec plugin is read") {
    options.context_flag = "ctx-b";
    auto config = kube::load_connection(options);
    REQUIRE(config);
    CHECK(config->cluster.server ==
          kubectl_view(list, "{.clusters[0].cluster.server}", "--context ctx-b"));
    CHECK(config->cluster.tls_server_name == "api.internal");
    CHECK(config->namespace_name == "default");
    CHECK(config->user.client_certificate_file == (dir / "two/bob.crt").string());
    CHECK(config->user.client_key_file == "/abs/bob.key");
    REQUIRE(config->user.exec);
    CHECK(config->user.exec->command == (dir / "two/bin/get-token").string());
    CHECK(config->user.exec->args == std::vector<std::string>{"--cluster", "prod"});
    CHECK(config->user.exec->env.at(0).second == "eu-west-1");
  }
  SECTION("-n overrides the context's namespace") {
    options.namespace_flag = "other";
    auto config = kube::load_connection(options);
    REQUIRE(config);
    CHECK(config->namespace_name == "other");
  }
  SECTION("an unknown context is an error naming it") {
    options.context_flag = "nope";
    auto config = kube::load_connection(options);
    REQUIRE_FALSE(config);
    CHECK(config.error().message.find("context \"nope\" does not exist") != std::string::npos);
  }
  SECTION("--kubeconfig reads only that file, and it must exist") {
    options.kubeconfig_flag = (dir / "two/config").string();
    auto config = kube::load_connection(options);
    REQUIRE(config);
    CHECK(config->context == "ctx-b");
    options.kubeconfig_flag = (dir / "missing").string();
    auto missing = kube::load_connection(options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message ==
          "kubeconfig " + (dir / "missing").string() + ": cannot read it");
  }
}

TEST_CASE("kubeconfig errors name the file", "[kube]") {
  TempDir dir;
  LoadOptions options;
  options.kubeconfig_flag = (dir / "config").string();
  write_file(dir / "config",
             "clusters:\n- name: c\n  cluster:\n    server: https://x\n"
             "contexts:\n- name: k\n  context: {cluster: c, user: u}\n"
             "current-context: k\nusers:\n- name: u\n  user:\n"
             "    client-certificate-data: '!!!'\n");
  auto bad_data = kube::load_connection(options);
  REQUIRE_FALSE(bad_data);
  CHECK(bad_data.error().message ==
        options.kubeconfig_flag + ": user \"u\": client-certificate-data is not valid base64");

  write_file(dir / "config",
             "clusters:\n- name: c\n  cluster:\n    server: https://x\n"
             "    certificate-authority: nowhere/ca.crt\n"
             "contexts:\n- name: k\n  context: {cluster: c}\ncurrent-context: k\n");
  auto no_ca = kube::load_connection(options);
  REQUIRE_FALSE(no_ca);
  CHECK(no_ca.error().message == options.kubeconfig_flag +
                                     ": cluster \"c\": certificate-authority " +
                                     (dir / "nowhere/ca.crt").string() + " does not exist");

  write_file(dir / "config", "clusters: [\n");
  auto bad_yaml = kube::load_connection(options);
  REQUIRE_FALSE(bad_yaml);
  CHECK(bad_yaml.error().message.rfind(options.kubeconfig_flag + ":2:", 0) == 0);
  CHECK(bad_yaml.error().message.find("invalid YAML") != std::string::npos);

  write_file(dir / "config",
             "contexts:\n- name: k\n  context: {cluster: gone}\ncurrent-context: k\n");
  auto dangling = kube::load_connection(options);
  REQUIRE_FALSE(dangling);
  CHECK(dangling.error().message.find("names cluster \"gone\", which is not defined") !=
        std::string::npos);
}

TEST_CASE("in-cluster configuration when no kubeconfig exists", "[kube]") {
  TempDir dir;
  write_file(dir / "token", "sa-token\n");
  write_file(dir / "ca.crt", "CA");
  write_file(dir / "namespace", "payments");
  LoadOptions options;
  options.home = (dir / "home").string();  // no ~/.kube/config there
  options.in_cluster = {"10.0.0.1", "443", dir.path().string()};
  auto config = kube::load_connection(options);
  REQUIRE(config);
  CHECK(config->cluster.server == "https://10.0.0.1:443");
  CHECK(config->cluster.ca_file == (dir / "ca.crt").string());
  CHECK(config->user.token_file == (dir / "token").string());
  CHECK(config->namespace_name == "payments");

  options.in_cluster.service_host = "fd00::1";
  config = kube::load_connection(options);
  REQUIRE(config);
  CHECK(config->cluster.server == "https://[fd00::1]:443");

  options.in_cluster.service_host = "";
  auto none = kube::load_connection(options);
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("no kubeconfig found") != std::string::npos);
}

}  // namespace podfit::test

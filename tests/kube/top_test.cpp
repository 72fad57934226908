// `podfit top` must print what `kubectl top pod` prints. The reference is the
// real kubectl (/usr/bin/kubectl) talking to the same fake API server.
#include <catch2/catch.hpp>

#include <sstream>

#include "kube/fake_server.hpp"
#include "podfit/kube/top.hpp"

namespace podfit::test {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("top rounding: CPU millicores rounded up, memory Mi rounded down", "[kube]") {
  // Hand-computed: 1234567n = 1.234567m -> 2m; 1m exactly stays 1m; 0.25 cores = 250m
  CHECK(kube::format_top_cpu("1234567n").value() == "2m");
  CHECK(kube::format_top_cpu("1000000n").value() == "1m");
  CHECK(kube::format_top_cpu("1u").value() == "1m");
  CHECK(kube::format_top_cpu("0.25").value() == "250m");
  CHECK(kube::format_top_cpu("2").value() == "2000m");
  // 5242879 bytes = 4.99999 Mi -> 4Mi; 15000Ki = 14.6Mi -> 14Mi; 1Gi -> 1024Mi
  CHECK(kube::format_top_memory("5242879").value() == "4Mi");
  CHECK(kube::format_top_memory("5242880").value() == "5Mi");
  CHECK(kube::format_top_memory("15000Ki").value() == "14Mi");
  CHECK(kube::format_top_memory("1Gi").value() == "1024Mi");
  CHECK(kube::format_top_memory("0").value() == "0Mi");
  CHECK_FALSE(kube::format_top_cpu("12 cores"));
  CHECK(kube::parse_top_sort("cpu").value() == kube::TopSort::cpu);
  CHECK(kube::parse_top_sort("name").error().message == "--sort-by accepts only cpu or memory");
}

TEST_CASE("top table pads like tabwriter and sorts like kubectl", "[kube]") {
  std::vector<kube::PodUsage> pods = {
      {"b", "pod-long-name", "", {{"z", "2m", "1Mi"}, {"a", "1m", "3Mi"}}},
      {"a", "p", "", {{"c", "10m", "1Mi"}}},
  };
  kube::TopOptions options;
  options.with_namespace = true;
  auto table = kube::format_top_table(pods, options);
  REQUIRE(table);
  CHECK(*table ==
        "NAMESPACE   NAME            CPU(cores)   MEMORY(bytes)   \n"
        "a           p               10m          1Mi             \n"
        "b           pod-long-name   3m           4Mi             \n");
  options.containers = true;
  options.sort = kube::TopSort::memory;
  table = kube::format_top_table(pods, options);
  REQUIRE(table);
  CHECK(*table ==
        "NAMESPACE   POD             NAME   CPU(cores)   MEMORY(bytes)   \n"
        "b           pod-long-name   a      1m           3Mi             \n"
        "b           pod-long-name   z      2m           1Mi             \n"
        "a           p               c      10m          1Mi             \n");
}

TEST_CASE("podfit top matches kubectl top pod line by line", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));
  std::string kubeconfig = server.write_kubeconfig("config", "    token: tok-alice\n", "", "shop");
  std::string home = server.dir().path().string();
  const char* variants[] = {
      "",
      "-A",
      "-n kube-system",
      "--containers",
      "-A --containers",
      "-A --sort-by=cpu",
      "-A --sort-by=memory",
      "--containers --sort-by=cpu",
      "-A --containers --sort-by=memory",
      "-l app=web",
      "-A -l 'tier in (frontend,backend)'",
      "-l tier!=frontend --containers",
  };
  for (const char* flags : variants) {
    INFO("flags: " << flags);
    std::string args = "top pod --kubeconfig " + kubeconfig + " " + flags;
    auto expected = run_kubectl(args, home);
    REQUIRE(expected.exit_code == 0);
    auto actual = run_podfit("top --kubeconfig " + kubeconfig + " " + flags, home);
    CHECK(actual.err == "");
    CHECK(actual.exit_code == 0);
    auto want = lines_of(expected.out);
    auto got = lines_of(actual.out);
    REQUIRE(want.size() > 1);
    CHECK(got.size() == want.size());
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
      CHECK(got[i] == want[i]);
    }
  }
}

TEST_CASE("top with no pods says so like kubectl", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));
  std::string kubeconfig = server.write_kubeconfig("config", "    token: tok-alice\n");
  std::string home = server.dir().path().string();
  for (const char* flags : {"-n empty", "-A -l app=none"}) {
    INFO("flags: " << flags);
    auto expected = run_kubectl("top pod --kubeconfig " + kubeconfig + " " + flags, home);
    auto actual = run_podfit("top --kubeconfig " + kubeconfig + " " + flags, home);
    CHECK(actual.exit_code == expected.exit_code);
    CHECK(actual.out == expected.out);
    CHECK(actual.err == expected.err);
  }
}

}  // namespace podfit::test

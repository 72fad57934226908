// podfit collect against the fake server: lines the offline reader accepts,
// same-timestamp ticks skipped, failed ticks retried, clean stop on SIGTERM.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <sstream>

#include "kube/fake_server.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/kube/collect.hpp"
#include "podfit/source/recorded.hpp"

namespace podfit::test {

namespace {

std::vector<std::string> nonempty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("collect appends one PodMetricsList line per new timestamp", "[kube]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  // the second metrics poll fails; the run goes on
  scenario["faults"] = {
      {{"path_prefix", "/apis/metrics.k8s.io"}, {"after", 1}, {"count", 5}, {"status", 500}}};
  FakeApiServer server(scenario);
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string out = (server.dir() / "samples.jsonl").string();
  write_file(out, "{\"kind\":\"PodMetricsList\",\"items\":[]}");  // earlier data, no newline

  auto result = run_podfit("collect --kubeconfig " + kubeconfig +
                               // 7 s: the failed tick's five attempts back off for up to
                               // 3.75 s, and two good ticks must still follow it.
                               " --interval 500ms --duration 7s"
                               " --out " +
                               out,
                           server.dir().path().string());
  INFO(result.err);
  CHECK(result.exit_code == 3);  // finished, with a failed tick reported
  CHECK(result.err.find("tick 2: GET " + server.url() +
                        "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods: HTTP 500") !=
        std::string::npos);

  auto lines = nonempty_lines(read_file(out));
  REQUIRE(lines.size() >= 3);  // polls every 500 ms, a new timestamp each second
  CHECK(lines.size() <= 9);    // the earlier line and at most one per second
  CHECK(lines[0] == "{\"kind\":\"PodMetricsList\",\"items\":[]}");  // kept, newline added
  std::set<std::string> stamps;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto list = nlohmann::json::parse(lines[i]);
    CHECK(list["kind"] == "PodMetricsList");
    CHECK(list["items"].size() == 5);
    stamps.insert(list["items"][0]["timestamp"].get<std::string>());
  }
  CHECK(stamps.size() == lines.size() - 1);  // never the same timestamp twice

  // the offline reader takes the file as it is
  SampleSet samples;
  auto summary = source::read_recorded_file(out, samples);
  REQUIRE(summary);
  CHECK(summary->skipped == 0);
  CHECK(samples.pods().size() == 5);

  // the OOM kill seen at the start and the restart at tick 2 are in the events file
  auto events = kube::read_events_file(kube::events_path(out));
  REQUIRE(events);
  REQUIRE(events->size() >= 1);
  CHECK((*events)[0].pod == "report-28391234-xk2lp");
  CHECK((*events)[0].reason == "OOMKilled");
  CHECK((*events)[0].memory_limit_bytes == 64.0 * 1024 * 1024);  // "64Mi" in the file
  CHECK((*events)[0].restart_count == 1);
  if (events->size() > 1) CHECK((*events)[1].restart_count == 2);
}

TEST_CASE("collect skips ticks whose data has the last timestamp", "[kube]") {
  FakeApiServer server(load_scenario("basic.json"));  // fixed_tick: the data never changes
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string out = (server.dir() / "samples.jsonl").string();
  auto result = run_podfit(
      "collect --kubeconfig " + kubeconfig + " --interval 200ms --duration 1s --out " + out,
      server.dir().path().string());
  CHECK(result.exit_code == 0);
  CHECK(nonempty_lines(read_file(out)).size() == 1);
  CHECK(result.err.find("wrote 1 ticks") != std::string::npos);
  // not a terminal: a log line at the first tick (then one a minute), not a redrawn bar
  CHECK(result.err.find("podfit collect: 00:00:00 elapsed, 00:00:01 left | ticks 1 (written 1") !=
        std::string::npos);
  CHECK(result.err.find('\r') == std::string::npos);
}

TEST_CASE("collect writes a multi-line response as one line", "[kube]") {
  auto scenario = load_scenario("basic.json");
  scenario["pretty"] = true;
  FakeApiServer server(scenario);
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string out = (server.dir() / "samples.jsonl").string();
  auto result = run_podfit("collect --kubeconfig " + kubeconfig +
                               " --interval 1s --duration 500ms --no-pod-status --out " + out,
                           server.dir().path().string());
  CHECK(result.exit_code == 0);
  auto lines = nonempty_lines(read_file(out));
  REQUIRE(lines.size() == 1);
  auto list = nlohmann::json::parse(lines[0]);
  CHECK(list["items"].size() == 5);
  CHECK(lines[0].rfind("{\"kind\":\"PodMetricsList\",\"apiVersion\"", 0) == 0);  // key order kept
  CHECK_FALSE(std::filesystem::exists(kube::events_path(out)));
}

TEST_CASE("collect stops cleanly on SIGTERM with every sample written", "[kube]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  FakeApiServer server(scenario);
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string out = (server.dir() / "samples.jsonl").string();
  std::string command = "( " + shell_quote(podfit_binary()) + " collect --kubeconfig " +
                        kubeconfig + " --interval 1s --duration 10m --out " + out +
                        " & pid=$!; sleep 2.5; kill -TERM $pid; wait $pid; echo exit=$? )";
  auto started = std::chrono::steady_clock::now();
  auto result = run_command("env -u KUBECONFIG HOME=" + shell_quote(server.dir().path().string()) +
                            " sh -c " + shell_quote(command));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(seconds < 8);
  CHECK(result.out.find("exit=0") != std::string::npos);
  CHECK(result.err.find("stopped: wrote") != std::string::npos);
  auto lines = nonempty_lines(read_file(out));
  CHECK(lines.size() >= 2);
  for (const auto& line : lines) CHECK(nlohmann::json::parse(line)["items"].size() == 5);
}

}  // namespace podfit::test

namespace podfit::test {

TEST_CASE("collect against a dead server ends at --duration, not after every tick's retries",
          "[kube][hostile]") {
  TempDir dir;
  write_file(dir / "kubeconfig", R"(apiVersion: v1
kind: Config
current-context: dead
clusters:
- name: dead
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: dead
  context: {cluster: dead, user: u, namespace: shop}
)");
  auto started = std::chrono::steady_clock::now();
  auto result = run_podfit("collect --kubeconfig " + shell_quote((dir / "kubeconfig").string()) +
                               " --interval 1s --duration 4s --out " +
                               shell_quote((dir / "s.jsonl").string()),
                           dir.path().string());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Each tick's five attempts back off for 1.9-3.8 s, so without the deadline the last
  // tick begun before 4 s ran on to 5.6 s or later.
  CHECK(seconds < 5.0);
  CHECK(result.exit_code == 3);  // finished, with failed ticks reported
  CHECK_THAT(result.err, Catch::Contains("127.0.0.1:1"));
}

}  // namespace podfit::test

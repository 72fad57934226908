// podfit collect --store against the fake server: every tick lands in the store,
// the OOM kill too, and a second collector on the same store is refused.
#include <catch2/catch.hpp>

#include "kube/fake_server.hpp"
#include "podfit/store/store.hpp"

namespace podfit::test {

TEST_CASE("collect --store writes each tick and the events to the store", "[kube][store]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  FakeApiServer server(scenario);
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string path = (server.dir() / "podfit.db").string();

  auto result = run_podfit(
      "collect --kubeconfig " + kubeconfig + " --interval 500ms --duration 3s --store " + path,
      server.dir().path().string());
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.find("ticks to " + path) != std::string::npos);

  auto store = store::Store::open(path, store::OpenMode::read_only);
  REQUIRE(store);
  auto history = store->read_all();
  REQUIRE(history);
  CHECK(history->samples.pods().size() == 5);  // the scenario's five pods in namespace shop
  // One point per pod and container per new timestamp: 2 to 4 ticks in 3 s at 1 s resolution.
  std::size_t points = history->samples.point_count();
  CHECK(points >= 2 * 5);
  CHECK(points <= 4 * 7);
  REQUIRE_FALSE(history->events.empty());
  CHECK(history->events[0].pod == "report-28391234-xk2lp");
  CHECK(history->events[0].reason == "OOMKilled");
  REQUIRE(history->events[0].memory_limit_bytes);
  CHECK(*history->events[0].memory_limit_bytes == 64.0 * 1024 * 1024);

  SECTION("a second collector is refused while the lock is held") {
    auto lock = store::CollectorLock::acquire(path);
    REQUIRE(lock);
    auto second = run_podfit(
        "collect --kubeconfig " + kubeconfig + " --interval 1s --duration 1s --store " + path,
        server.dir().path().string());
    CHECK(second.exit_code == 4);
    CHECK(second.err.find(path) != std::string::npos);
  }
  SECTION("--out and --store: exactly one") {
    auto both = run_podfit(
        "collect --kubeconfig " + kubeconfig + " --duration 1s --store " + path + " --out x.jsonl",
        server.dir().path().string());
    CHECK(both.exit_code == 2);
    auto neither = run_podfit("collect --kubeconfig " + kubeconfig + " --duration 1s",
                              server.dir().path().string());
    CHECK(neither.exit_code == 2);
  }
}

}  // namespace podfit::test

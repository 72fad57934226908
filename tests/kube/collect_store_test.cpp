// podfit collect --store against the fake server: every tick lands in the store,
// the OOM kill too, a second collector on the same store is refused, and the run
// ends by compacting what is older than the raw window.
#include <catch2/catch.hpp>

#include <chrono>

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

  auto result = run_podfit("collect --kubeconfig " + kubeconfig +
                               " --interval 500ms --duration 3s --no-compact --store " + path,
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

namespace {

// Two hours of minute points for pod old-0, `days_ago` days before now.
void seed_old_points(const std::string& path, int days_ago) {
  auto store = store::Store::open(path);
  REQUIRE(store);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::int64_t start = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() -
                       std::int64_t{days_ago} * 86400 * 1'000'000'000;
  start -= start % kNanosPerHour;
  SampleSet samples;
  auto pod = samples.intern_pod("shop", "old-0");
  for (int minute = 0; minute < 120; ++minute) {
    samples.add(pod, "app",
                SamplePoint{start + minute * std::int64_t{60'000'000'000}, 0.1, 1048576.0}, 60);
  }
  samples.finalize();
  REQUIRE(store->append(samples));
}

}  // namespace

TEST_CASE("collect --store compacts old hours when the run ends, unless told not to",
          "[kube][store]") {
  auto scenario = load_scenario("basic.json");
  scenario.erase("fixed_tick");
  scenario["resolution_seconds"] = 1;
  scenario["time_base"] = "now";  // fresh samples, inside the raw window
  FakeApiServer server(scenario);
  std::string kubeconfig = server.write_kubeconfig("c", "    token: tok-alice\n", "", "shop");
  std::string path = (server.dir() / "podfit.db").string();
  std::string collect =
      "collect --kubeconfig " + kubeconfig + " --interval 500ms --duration 1s --store " + path;
  auto info = [&] {
    auto store = store::Store::open(path, store::OpenMode::read_only);
    REQUIRE(store);
    auto read = store->info();
    REQUIRE(read);
    return *read;
  };
  seed_old_points(path, 3);   // past the 48 h raw window: becomes 2 hour sketches
  seed_old_points(path, 40);  // past the 28 d retention: dropped

  auto kept = run_podfit(collect + " --no-compact", server.dir().path().string());
  INFO(kept.err);
  REQUIRE(kept.exit_code == 0);
  CHECK(kept.err.find("compacted") == std::string::npos);
  CHECK(info().sketches == 0);

  auto compacted = run_podfit(collect, server.dir().path().string());
  INFO(compacted.err);
  REQUIRE(compacted.exit_code == 0);
  CHECK(compacted.err.find("compacted 240 points into 2 container-hours") != std::string::npos);
  store::StoreInfo after = info();
  CHECK(after.sketches == 2);
  CHECK(after.sketched_points == 120);
  // The new ticks stay raw.
  CHECK(after.raw_points >= 10);
  CHECK(*after.first_raw_ns > *after.last_sketch_hour_ns);

  auto shorter =
      run_podfit(collect + " --raw-window 1h --retention 30m", server.dir().path().string());
  CHECK(shorter.exit_code == 2);
  CHECK(shorter.err.find("--retention must be at least --raw-window") != std::string::npos);
  auto bad = run_podfit(collect + " --retention 4w", server.dir().path().string());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--retention") != std::string::npos);
}

}  // namespace podfit::test

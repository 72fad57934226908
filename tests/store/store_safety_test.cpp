// What the store refuses: newer schemas (file untouched), files that are not
// stores, corrupt files, a second writer; and what survives kill -9.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "podfit/store/store.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

extern char** environ;

using podfit::store::Store;
using podfit::test::read_file;
using podfit::test::TempDir;
using podfit::test::write_file;

namespace {

std::string fixture_samples() {
  return podfit::test::source_dir() + "/fixtures/sample-app/samples.jsonl";
}

void make_store(const std::string& path) {
  auto store = Store::open(path);
  REQUIRE(store);
  podfit::SampleSet samples;
  samples.add(samples.intern_pod("ns", "p"), "c", {1724407200000000000, 0.5, 1024}, 15);
  samples.finalize();
  REQUIRE(store->append(samples));
}

std::string open_error(const std::string& path) {
  auto store = Store::open(path);
  REQUIRE_FALSE(store);
  return store.error().message;
}

}  // namespace

TEST_CASE("a store from a newer schema is refused and left byte for byte", "[store]") {
  TempDir dir;
  std::string path = (dir / "new.db").string();
  make_store(path);
  std::string newer = std::to_string(podfit::store::kSchemaVersion + 1);
  CHECK(podfit::test::sqlite3_shell(path, "UPDATE meta SET value = '" + newer +
                                              "' WHERE key = "
                                              "'schema_version'; PRAGMA wal_checkpoint(TRUNCATE);")
            .find("failed") == std::string::npos);
  std::string before = read_file(path);
  std::string message = open_error(path);
  CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("newer podfit") &&
                          Catch::Contains("version " + newer));
  CHECK(read_file(path) == before);
  auto read_only = Store::open(path, podfit::store::OpenMode::read_only);
  CHECK_FALSE(read_only);
  CHECK(read_file(path) == before);
}

TEST_CASE("files that are not podfit stores get a clear error naming them", "[store]") {
  TempDir dir;
  std::string text_file = (dir / "notes.db").string();
  write_file(text_file, "this is not a database, just some text that is long enough\n");
  CHECK_THAT(open_error(text_file),
             Catch::Contains(text_file) && Catch::Contains("not an SQLite database"));
  CHECK(read_file(text_file) == "this is not a database, just some text that is long enough\n");

  std::string other = (dir / "other.db").string();
  podfit::test::sqlite3_shell(other, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  CHECK_THAT(open_error(other), Catch::Contains(other) && Catch::Contains("not a podfit store"));

  std::string corrupt = (dir / "corrupt.db").string();
  make_store(corrupt);
  std::string bytes = read_file(corrupt);
  REQUIRE(bytes.size() > 4096);
  for (std::size_t i = 100; i < 4096; ++i) bytes[i] = static_cast<char>(0xA5 ^ i);
  write_file(corrupt, bytes);
  CHECK_THAT(open_error(corrupt), Catch::Contains(corrupt) && Catch::Contains("corrupt"));

  auto missing = Store::open((dir / "none.db").string(), podfit::store::OpenMode::read_only);
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("none.db: no such store"));
}

TEST_CASE("a second writer is refused with the holder's pid", "[store]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  auto first = podfit::store::CollectorLock::acquire(path);
  REQUIRE(first);
  auto second = podfit::store::CollectorLock::acquire(path);
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error().message, Catch::Contains("another podfit is writing") &&
                                         Catch::Contains("pid " + std::to_string(::getpid())));

  auto import = podfit::test::run_command(
      podfit::test::shell_quote(podfit::test::podfit_binary()) + " store --store " +
      podfit::test::shell_quote(path) + " import " + podfit::test::shell_quote(fixture_samples()));
  CHECK(import.exit_code == 4);
  CHECK_THAT(import.err, Catch::Contains("another podfit is writing"));

  first = podfit::store::CollectorLock::acquire(dir.path().string() + "/other.db");  // releases
  auto third = podfit::store::CollectorLock::acquire(path);
  CHECK(third);
}

TEST_CASE("kill -9 during an import keeps every line reported as committed", "[store]") {
  TempDir dir;
  std::string trace = (dir / "big.jsonl").string();
  auto generated = podfit::test::run_command(
      podfit::test::python() + " " + podfit::test::source_dir() +
      "/tools/gen_trace.py --families steady,bursty --workloads 2 --pods-per-workload 2 "
      "--duration 2d --seed 5 -o " +
      trace);
  REQUIRE(generated.exit_code == 0);
  std::string path = (dir / "s.db").string();
  std::string log = (dir / "stderr").string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string binary = podfit::test::podfit_binary();
  std::vector<std::string> args{binary, "store", "--store", path, "import", trace};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);

  // Wait for at least 1,000 committed lines, then kill without warning.
  std::size_t reported = 0;
  for (int wait = 0; wait < 600 && reported < 1000; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string text = read_file(log);
    std::size_t at = text.rfind("committed ");
    if (at != std::string::npos) reported = std::stoul(text.substr(at + 10));
  }
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(reported >= 1000);
  CHECK(reported < 11520);  // killed part-way, not after the end

  auto store = Store::open(path);
  REQUIRE(store);
  auto integrity = store->integrity_check();
  REQUIRE(integrity);
  CHECK(*integrity == "ok");
  auto info = store->info();
  REQUIRE(info);
  // 4 containers per line, one transaction each: never part of a line.
  CHECK(info->raw_points >= reported * 4);
  CHECK(info->raw_points % 4 == 0);
  CHECK(*info->last_raw_ns >= 1724407200000000000 + (std::int64_t(reported) - 2) * 15000000000);
}

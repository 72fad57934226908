// Raw points packed into hour chunks (schema 2): exact round trips, late and
// repeated points, the size of a regular series, and the migration from schema 1.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <random>

#include "podfit/store/store.hpp"
#include "store/chunk.hpp"
#include "store_test_support.hpp"
#include "support/support.hpp"

using podfit::SamplePoint;
using podfit::SampleSet;
using podfit::store::Store;
using podfit::test::TempDir;

namespace {

using podfit::test::kHour;
using podfit::test::kStart;
using podfit::test::open_store;

constexpr std::int64_t kHourIndex = 479002;  // 2024-08-23T10:00:00Z

std::vector<SamplePoint> round_trip(const std::vector<SamplePoint>& points) {
  std::vector<SamplePoint> back;
  auto decoded = podfit::store::decode_chunk(kHourIndex,
                                             podfit::store::encode_chunk(kHourIndex, points), back);
  REQUIRE(decoded);
  return back;
}

void check_same(const std::vector<SamplePoint>& a, const std::vector<SamplePoint>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].time_ns == b[i].time_ns);
    CHECK(std::memcmp(&a[i].cpu_cores, &b[i].cpu_cores, sizeof(double)) == 0);
    CHECK(std::memcmp(&a[i].memory_bytes, &b[i].memory_bytes, sizeof(double)) == 0);
  }
}

}  // namespace

TEST_CASE("a chunk gives back every point bit for bit", "[store][chunk]") {
  std::vector<SamplePoint> exact, mixed, single{{kStart + 7, 0.5, 1024}};
  std::mt19937_64 random(1);
  for (int i = 0; i < 240; ++i) {
    std::int64_t time = kStart + i * 15'000'000'000LL + (i % 7 == 0 ? 1'000'000'000 : 0);
    exact.push_back({time, static_cast<double>(random() % 900'000'000 + 1) / 1e9,
                     static_cast<double>(random() % 1'000'000) * 1024});
    mixed.push_back({kStart + i * 3'000'000'001LL + 17, i % 5 == 0 ? 1.0 / 3 : i * 0.001,
                     i % 9 == 0 ? 1.5 : 123456789.0 * i});
  }
  mixed.push_back({kStart + kHour - 1, -0.25, 1e15});  // the last nanosecond of the hour
  check_same(round_trip(exact), exact);
  check_same(round_trip(mixed), mixed);
  check_same(round_trip(single), single);
  check_same(round_trip({}), {});

  std::string bytes = podfit::store::encode_chunk(kHourIndex, exact);
  std::vector<SamplePoint> out;
  CHECK_FALSE(podfit::store::decode_chunk(kHourIndex, bytes.substr(0, bytes.size() - 1), out));
  CHECK_FALSE(podfit::store::decode_chunk(kHourIndex, bytes + "x", out));
  CHECK_FALSE(podfit::store::decode_chunk(kHourIndex, "", out));
  CHECK(out.empty());
}

TEST_CASE("a regular series costs what its noise needs, no more", "[store][chunk]") {
  // 240 polls 15 s apart; CPU within 2^20 nanocores of 100 m; memory within 2^9 KiB
  // of 200 MiB. Bit-packed: time 0 bits (constant step), CPU <= 20 bits, memory
  // <= 9 bits a point; plus under 40 bytes of column headers.
  std::mt19937_64 random(2);
  std::vector<SamplePoint> points;
  for (int i = 0; i < 240; ++i) {
    points.push_back({kStart + 4'000'000'000 + i * 15'000'000'000LL,
                      static_cast<double>(100'000'000 + random() % (1 << 20)) / 1e9,
                      static_cast<double>(204'800 + random() % 512) * 1024});
  }
  std::string bytes = podfit::store::encode_chunk(kHourIndex, points);
  CHECK(bytes.size() <= 240 * (20 + 9) / 8 + 40);
  check_same(round_trip(points), points);
}

TEST_CASE("the store keeps each point once across rows, closed hours and late arrivals",
          "[store][chunk]") {
  TempDir dir;
  std::string path = (dir / "s.db").string();
  std::map<std::int64_t, SamplePoint> expected;  // first value of each time wins
  auto tick = [&](Store& store, std::vector<SamplePoint> points) {
    SampleSet samples;
    auto pod = samples.intern_pod("ns", "web-0");
    std::size_t fresh = 0;
    for (const SamplePoint& point : points) {
      samples.add(pod, "app", point, 15);
      fresh += expected.emplace(point.time_ns, point).second;
    }
    samples.finalize();
    auto appended = store.append(samples);
    REQUIRE(appended);
    CHECK(appended->added == fresh);
  };
  {
    Store store = open_store(path);
    // Hour 0 out of order, with a value that is not exact.
    tick(store, {{kStart + 30'000'000'000, 0.2, 4096}, {kStart + 15'000'000'000, 1.0 / 3, 1.5}});
    tick(store, {{kStart + 45'000'000'000, 0.3, 8192}});
    // Hour 1 closes hour 0 into a chunk.
    tick(store, {{kStart + kHour + 5, 0.4, 1024}});
    // Late: a new point of hour 0, and a repeated poll of hour 0 with another value.
    tick(store, {{kStart + 1'000'000'000, 0.05, 2048}, {kStart + 30'000'000'000, 9.0, 9}});
    // Hour 2 closes hour 1; a repeat of hour 1's point is not added again.
    tick(store, {{kStart + 2 * kHour, 0.6, 3072}, {kStart + kHour + 5, 7.0, 7}});
  }
  Store store = open_store(path);
  auto history = store.read_all();
  REQUIRE(history);
  REQUIRE(history->samples.series().size() == 1);
  std::vector<SamplePoint> want;
  for (const auto& [time, point] : expected) want.push_back(point);
  check_same(history->samples.series()[0].points, want);
  auto info = store.info();
  REQUIRE(info);
  CHECK(info->raw_points == 6);
  CHECK(*info->first_raw_ns == kStart + 1'000'000'000);
  CHECK(*info->last_raw_ns == kStart + 2 * kHour);
  // Hours 0 and 1 are chunks, hour 2 is a row.
  CHECK(podfit::test::sqlite3_shell(path, "SELECT hour - " + std::to_string(kHourIndex) +
                                              ", count FROM chunks ORDER BY hour") == "0|4\n1|1\n");
  CHECK(podfit::test::sqlite3_shell(path, "SELECT count(*) FROM samples") == "1\n");

  auto range = store.read(kStart + 20'000'000'000, kStart + kHour + 6);
  REQUIRE(range);
  CHECK(range->samples.point_count() == 3);  // 30 s, 45 s and hour 1's point
}

TEST_CASE("a schema 1 store is migrated to chunks without losing a point", "[store][chunk]") {
  TempDir dir;
  std::string path = (dir / "v1.db").string();
  // Schema 1 as podfit wrote it, with two hours of points and one format-1 sketch.
  std::string sql =
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO meta VALUES('schema_version', '1');"
      "CREATE TABLE pods(id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL,"
      " UNIQUE(namespace, name));"
      "CREATE TABLE pod_labels(pod INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
      " PRIMARY KEY(pod, key)) WITHOUT ROWID;"
      "CREATE TABLE series(id INTEGER PRIMARY KEY, pod INTEGER NOT NULL, container TEXT NOT NULL,"
      " window_seconds REAL NOT NULL, UNIQUE(pod, container));"
      "CREATE TABLE samples(series INTEGER NOT NULL, time_ns INTEGER NOT NULL, cpu NOT NULL,"
      " memory NOT NULL, PRIMARY KEY(series, time_ns)) WITHOUT ROWID;"
      "CREATE TABLE hour_sketches(series INTEGER NOT NULL, hour INTEGER NOT NULL,"
      " count INTEGER NOT NULL, cpu BLOB NOT NULL, memory BLOB NOT NULL,"
      " PRIMARY KEY(series, hour)) WITHOUT ROWID;"
      "CREATE TABLE events(namespace TEXT NOT NULL, pod TEXT NOT NULL, container TEXT NOT NULL,"
      " restart_count INTEGER NOT NULL, time_ns INTEGER NOT NULL, reason TEXT NOT NULL,"
      " memory_limit_bytes REAL, PRIMARY KEY(namespace, pod, container, restart_count))"
      " WITHOUT ROWID;"
      "CREATE TABLE current_resources(namespace TEXT NOT NULL, kind TEXT NOT NULL,"
      " name TEXT NOT NULL, container TEXT NOT NULL, cpu_request TEXT, cpu_limit TEXT,"
      " memory_request TEXT, memory_limit TEXT,"
      " PRIMARY KEY(namespace, kind, name, container)) WITHOUT ROWID;"
      "INSERT INTO pods VALUES(1, 'ns', 'web-0');"
      "INSERT INTO series VALUES(1, 1, 'app', 15);";
  SampleSet original;
  auto pod = original.intern_pod("ns", "web-0");
  for (int i = 0; i < 400; ++i) {  // 100 minutes: hour 0 and part of hour 1
    std::int64_t time = kStart + i * 15'000'000'000LL;
    double cpu = i % 11 == 0 ? 0.1 / 3 : (1'000'000 + i * 7919) / 1e9;
    double memory = (50'000 + i) * 1024.0;
    original.add(pod, "app", {time, cpu, memory}, 15);
    char row[200];
    if (i % 11 == 0) {  // schema 1 kept values that are not exact as REAL
      std::snprintf(row, sizeof row, "INSERT INTO samples VALUES(1, %lld, %.17g, %lld);",
                    static_cast<long long>(time), cpu, static_cast<long long>(memory));
    } else {
      std::snprintf(row, sizeof row, "INSERT INTO samples VALUES(1, %lld, %d, %lld);",
                    static_cast<long long>(time), 1'000'000 + i * 7919,
                    static_cast<long long>(memory));
    }
    sql += row;
  }
  original.finalize();
  // Format 1: version, accuracy 0.01, count 4, sum 0.5, max 0.2, no zeros, 2 buckets:
  // -116 (3 values) and -81 (1 value), as zig-zag deltas 231 and 70.
  const std::string blob = "X'017B14AE47E17A843F04000000000000E03F9A9999999999C93F0002E701034601'";
  sql += "INSERT INTO hour_sketches VALUES(1, " + std::to_string(kHourIndex - 5) + ", 4, " + blob +
         ", " + blob + ");";
  REQUIRE(podfit::test::sqlite3_shell(path, sql).empty());

  auto read_only = Store::open(path, podfit::store::OpenMode::read_only);
  REQUIRE_FALSE(read_only);
  CHECK_THAT(read_only.error().message, Catch::Contains("older store schema"));

  Store store = open_store(path);  // migrates
  CHECK(podfit::test::sqlite3_shell(path, "SELECT value FROM meta WHERE key = 'schema_version'") ==
        std::to_string(podfit::store::kSchemaVersion) + "\n");
  // Every chunk the migration wrote carries its checksum.
  CHECK(podfit::test::sqlite3_shell(path, "SELECT count(*) > 0, count(crc) = count(*) FROM chunks") ==
        "1|1\n");
  auto history = store.read_all();
  REQUIRE(history);
  CHECK(podfit::test::samples_text(history->samples) == podfit::test::samples_text(original));
  REQUIRE(history->sketches.size() == 1);
  CHECK(history->sketches[0].cpu.count() == 4);
  CHECK(history->sketches[0].cpu.sum() == 0.5);
  CHECK(history->sketches[0].memory.max() == 0.2);
  double gamma = 1.01 / 0.99;
  CHECK(history->sketches[0].cpu.quantile(0) ==
        Approx(2 * std::pow(gamma, -116) / (gamma + 1)).epsilon(1e-12));
  // Hour 0 is a chunk; hour 1 (the newest) stays as rows; the sketch is format 2.
  CHECK(podfit::test::sqlite3_shell(path, "SELECT count FROM chunks") == "240\n");
  CHECK(podfit::test::sqlite3_shell(path, "SELECT count(*) FROM samples") == "160\n");
  CHECK(podfit::test::sqlite3_shell(path, "SELECT hex(substr(cpu, 1, 1)) FROM hour_sketches") ==
        "02\n");
  auto integrity = store.integrity_check();
  REQUIRE(integrity);
  CHECK(*integrity == "ok");
}

TEST_CASE("a chunk whose times leave its hour is refused, not shifted", "[store][hostile]") {
  constexpr std::int64_t kHourNs = 3600LL * 1'000'000'000;
  constexpr std::int64_t hour = 479'002;
  // A point of the next hour written into this hour's chunk: only damage can do that.
  std::string bytes = podfit::store::encode_chunk(
      hour, {{hour * kHourNs, 0.5, 1024}, {(hour + 1) * kHourNs + 5, 0.5, 1024}});
  std::vector<SamplePoint> points;
  auto decoded = podfit::store::decode_chunk(hour, bytes, points);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().message == "raw chunk: a time outside its hour");
  CHECK(points.empty());
  auto far = podfit::store::decode_chunk(
      INT64_MAX / 1000, podfit::store::encode_chunk(hour, {{hour * kHourNs, 0.5, 1024}}), points);
  REQUIRE_FALSE(far);
  CHECK_THAT(far.error().message, Catch::Contains("is out of range"));
}

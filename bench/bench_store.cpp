// History store benchmark (issue #4): size on disk and `podfit recommend --store`
// time for a cluster of N containers sampled every 15 s for D days.
//
//   build/bench/bench_store [--containers 1000] [--days 28] [--seed 7] [--batch 20]
//                           [--dir DIR] [--podfit build/podfit] [--collector-hours N]
//                           [--reuse 1]
//   (bench/bench_store.sh builds, runs and prints the numbers)
//
// The store is built the way a collector plus a daily `store compact` leaves it:
// the newest 48 h are raw points written through Store::append (`--batch` ticks of
// all containers per call, default 20 = 5 minutes, so that building takes seconds
// rather than one transaction per tick); the older hours are written directly
// as hour sketches (Store::put_sketches) of the same generated values. Then
// compact() (nothing left to compact: it checkpoints and vacuums). With
// --collector-hours N, N more hours follow as the in-cluster collector writes them, each
// ended by its compaction, to show the file size in steady state and the time each
// hour's appends and compaction take. --reuse 1 keeps DIR/bench-store.db when it is
// there (the same --containers and --seed) and only runs those collector hours after it.
//
// The cluster: containers in pods of 1-3 (two on average: an app, often a
// sidecar), pods in deployments of 2-6 replicas, 20 namespaces, with names as
// Kubernetes makes them ("checkout-7c9d8f6b5-x2k4q"). Values as metrics-server
// reports them: CPU in whole nanocores, noisy down to the last digit; memory in
// whole KiB. Timestamps are whole seconds, each pod's scrape at its own phase in
// the 15 s period, 10 % of them a second early or late. Workload shapes, by
// container (seeded, deterministic):
//   30 % idle      ~1-5 m CPU with +-20 % noise, memory flat +- a few KiB
//   30 % steady    50-500 m CPU with +-10 % noise, memory +- 0.5 %
//   20 % diurnal   daily sine (x0.3 .. x1.7) on 100-1000 m, memory follows it
//   10 % bursty    10-50 m, 2 % of points 5-20 x higher, memory jumps with them
//   10 % leaking   steady CPU, memory grows 1-5 % a day, then a restart
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "podfit/core/sample_set.hpp"
#include "podfit/store/store.hpp"

namespace {

constexpr std::int64_t kSecond = 1000000000;
constexpr std::int64_t kTick = 15 * kSecond;
constexpr int kTicksPerHour = 240;

enum class Shape { idle, steady, diurnal, bursty, leaking };

struct Container {
  std::uint32_t pod = 0;
  std::string name;
  Shape shape = Shape::idle;
  int phase_seconds = 0;   // the pod's scrape phase in the period
  double cpu_base = 0;     // nanocores
  double memory_base = 0;  // KiB
  double leak_per_tick = 0;
  double leaked = 0;
  std::mt19937_64 random;
};

struct Point {
  std::int64_t time_ns;
  double cpu_cores;
  double memory_bytes;
};

std::string random_suffix(std::mt19937_64& random, int length, const char* alphabet) {
  std::string text;
  std::size_t size = std::strlen(alphabet);
  for (int i = 0; i < length; ++i) text += alphabet[random() % size];
  return text;
}

// Pods and containers: namespaces of deployments of replicas, until n containers.
std::vector<Container> make_cluster(podfit::SampleSet& pods, int containers, std::uint64_t seed) {
  static const char* apps[] = {"checkout", "cart",   "payments", "search",  "catalog", "auth",
                               "gateway",  "orders", "shipping", "reviews", "users",   "mailer"};
  static const char* sidecars[] = {"istio-proxy", "log-shipper", "oauth2-proxy"};
  std::mt19937_64 random(seed);
  std::vector<Container> cluster;
  for (int deployment = 0; static_cast<int>(cluster.size()) < containers; ++deployment) {
    std::string ns = "team-" + std::to_string(deployment % 20);
    std::string name = std::string(apps[deployment % 12]) + "-" + std::to_string(deployment / 12);
    std::string hash = random_suffix(random, 9, "bcdfghjklmnpqrstvwxz2456789");
    int replicas = 2 + static_cast<int>(random() % 5);
    int sidecar_count = static_cast<int>(random() % 3);  // 0, 1 or 2: two containers on average
    for (int replica = 0; replica < replicas; ++replica) {
      podfit::Labels labels{{"app", name}, {"pod-template-hash", hash}};
      std::string pod_name =
          name + "-" + hash + "-" + random_suffix(random, 5, "bcdfghjklmnpqrstvwxz2456789");
      std::uint32_t pod = pods.intern_pod(ns, pod_name, &labels);
      int phase = static_cast<int>(random() % 15);
      for (int c = 0; c <= sidecar_count && static_cast<int>(cluster.size()) < containers; ++c) {
        Container container;
        container.pod = pod;
        container.name = c == 0 ? std::string("app") : sidecars[(deployment + c) % 3];
        container.phase_seconds = phase;
        container.random.seed(seed * 1000003 + cluster.size());
        double pick = std::uniform_real_distribution<double>(0, 1)(container.random);
        std::uniform_real_distribution<double> unit(0, 1);
        container.shape = pick < 0.3   ? Shape::idle
                          : pick < 0.6 ? Shape::steady
                          : pick < 0.8 ? Shape::diurnal
                          : pick < 0.9 ? Shape::bursty
                                       : Shape::leaking;
        if (c > 0 && container.shape != Shape::leaking) container.shape = Shape::idle;
        double u = unit(container.random);
        switch (container.shape) {
          case Shape::idle:
            container.cpu_base = 1e6 + 4e6 * u;
            break;
          case Shape::steady:
            container.cpu_base = 5e7 + 4.5e8 * u;
            break;
          case Shape::diurnal:
            container.cpu_base = 1e8 + 9e8 * u;
            break;
          case Shape::bursty:
            container.cpu_base = 1e7 + 4e7 * u;
            break;
          case Shape::leaking:
            container.cpu_base = 5e7 + 2e8 * u;
            break;
        }
        container.memory_base = (16 + 1000 * unit(container.random)) * 1024;  // 16 MiB..1 GiB
        double daily = 0.01 + 0.04 * unit(container.random);
        container.leak_per_tick = container.memory_base * daily / (86400 / 15);
        cluster.push_back(std::move(container));
      }
    }
  }
  return cluster;
}

// The container's next point for the tick starting at tick_ns.
Point next_point(Container& c, std::int64_t tick_ns) {
  std::normal_distribution<double> noise(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  double jitter = unit(c.random);
  std::int64_t time = tick_ns + c.phase_seconds * kSecond +
                      (jitter < 0.05   ? -kSecond
                       : jitter > 0.95 ? kSecond
                                       : 0);
  double cpu = c.cpu_base;
  double memory = c.memory_base;
  double day = static_cast<double>(tick_ns % (86400 * kSecond)) / (86400.0 * kSecond);
  switch (c.shape) {
    case Shape::idle:
      cpu *= 1 + 0.2 * noise(c.random) / 2;
      memory += std::round(4 * noise(c.random));
      break;
    case Shape::steady:
      cpu *= 1 + 0.1 * noise(c.random) / 2;
      memory *= 1 + 0.005 * noise(c.random) / 2;
      break;
    case Shape::diurnal: {
      double wave = 1 + 0.7 * std::sin(2 * M_PI * day);
      cpu *= wave * (1 + 0.1 * noise(c.random) / 2);
      memory *= (0.8 + 0.2 * wave) * (1 + 0.002 * noise(c.random));
      break;
    }
    case Shape::bursty:
      cpu *= 1 + 0.15 * noise(c.random) / 2;
      if (unit(c.random) < 0.02) {
        cpu *= 5 + 15 * unit(c.random);
        memory *= 1.5;
      }
      break;
    case Shape::leaking:
      cpu *= 1 + 0.1 * noise(c.random) / 2;
      c.leaked += c.leak_per_tick * (0.5 + unit(c.random));
      if (c.leaked > c.memory_base * 0.5) c.leaked = 0;  // OOM-killed and restarted
      memory += c.leaked;
      break;
  }
  double nanocores = std::max(std::round(cpu), 1.0);
  double kib = std::max(std::round(memory), 1.0);
  return Point{time, nanocores / 1e9, kib * 1024};
}

std::uint64_t file_size(const std::string& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uint64_t>(status.st_size) : 0;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class T>
T must(podfit::Result<T> result, const char* what) {
  if (!result) {
    std::fprintf(stderr, "bench_store: %s: %s\n", what, result.error().message.c_str());
    std::exit(1);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

std::string value_after(const std::string& text, const std::string& label) {
  auto at = text.find(label);
  if (at == std::string::npos) return "?";
  auto end = text.find('\n', at);
  return text.substr(at + label.size(), end - at - label.size());
}

// Where the pages of the store go (SQLite's dbstat, through the sqlite3 shell, which
// reads the WAL too): "  table  MB used of MB" lines, and the free pages.
std::string page_use(const std::string& path) {
  std::string command =
      "/usr/bin/sqlite3 -readonly '" + path +
      "' \"SELECT printf('  %-36s %6.1f MB, %4.1f MB of it unused', name, sum(pgsize) / 1e6, "
      "sum(unused) / 1e6) FROM dbstat GROUP BY name HAVING sum(pgsize) > 1e6 "
      "UNION ALL SELECT printf('  %-36s %6.1f MB', 'free pages', "
      "(SELECT freelist_count FROM pragma_freelist_count) * "
      "(SELECT page_size FROM pragma_page_size) / 1e6)\" 2>/dev/null";
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, pipe) != nullptr) out += line;
    pclose(pipe);
  }
  return out;
}

// Ticks [first_tick, end_tick) from `start_ns` through Store::append, `batch` ticks a call.
std::size_t append_ticks(podfit::store::Store& store, std::vector<Container>& cluster,
                         const podfit::SampleSet& pods, std::int64_t start_ns, int first_tick,
                         int end_tick, int batch) {
  std::size_t added = 0;
  for (int first = first_tick; first < end_tick; first += batch) {
    podfit::SampleSet samples;
    for (const podfit::PodRecord& pod : pods.pods()) {
      samples.intern_pod(pod.namespace_name, pod.name, &pod.labels);
    }
    for (int tick = first; tick < std::min(first + batch, end_tick); ++tick) {
      for (Container& c : cluster) {
        Point point = next_point(c, start_ns + tick * kTick);
        samples.add(c.pod, c.name, {point.time_ns, point.cpu_cores, point.memory_bytes}, 15);
      }
    }
    samples.finalize();
    added += must(store.append(samples), "append").added;
  }
  return added;
}

// The in-cluster steady state: `hours` more hours as the collector CronJob writes them,
// each ended by the compaction `collect --store` runs (VACUUM only when a quarter of the
// file is free). Prints the file size at each hour's end, before and after compacting.
void simulate_collector(podfit::store::Store& store, std::vector<Container>& cluster,
                        const podfit::SampleSet& pods, std::int64_t start_ns, int hours, int batch,
                        const std::string& path) {
  std::uint64_t largest = 0;
  for (int hour = 0; hour < hours; ++hour) {
    std::int64_t hour_ns = start_ns + hour * podfit::kNanosPerHour;
    auto appending = std::chrono::steady_clock::now();
    append_ticks(store, cluster, pods, hour_ns, 0, kTicksPerHour, batch);
    double append_seconds = seconds_since(appending);
    std::uint64_t before = file_size(path) + file_size(path + "-wal");
    auto compacting = std::chrono::steady_clock::now();
    auto compacted =
        must(store.compact(hour_ns + podfit::kNanosPerHour, podfit::store::kDefaultRawWindowSeconds,
                           podfit::store::kDefaultRetentionSeconds,
                           podfit::store::Vacuum::when_a_quarter_free),
             "compact");
    double compact_seconds = seconds_since(compacting);
    std::uint64_t after = file_size(path) + file_size(path + "-wal");
    largest = std::max({largest, before, after});
    std::printf(
        "collector hour %2d  %.1f MB before compacting, %.1f MB after (%zu hours in, "
        "%zu out, %.0f %% free%s); appends %.1f s (%d ticks, %d a call), compact %.1f s\n",
        hour + 1, static_cast<double>(before) / 1e6, static_cast<double>(after) / 1e6,
        compacted.hours_compacted, compacted.sketches_dropped,
        compacted.free_share_before_vacuum * 100, compacted.vacuumed ? ", vacuumed" : "",
        append_seconds, kTicksPerHour, batch, compact_seconds);
  }
  std::printf("collector largest  %.1f MB (db + WAL)\n", static_cast<double>(largest) / 1e6);
  std::printf("%s", page_use(path).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int containers = 1000, days = 28, batch = 20, collector_hours = 0, reuse = 0;
  std::uint64_t seed = 7;
  std::string dir = "/tmp", podfit;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--containers")
      containers = std::stoi(value);
    else if (flag == "--days")
      days = std::stoi(value);
    else if (flag == "--seed")
      seed = std::stoull(value);
    else if (flag == "--batch")
      batch = std::stoi(value);
    else if (flag == "--dir")
      dir = value;
    else if (flag == "--podfit")
      podfit = value;
    else if (flag == "--collector-hours")
      collector_hours = std::stoi(value);
    else if (flag == "--reuse")
      reuse = std::stoi(value);
    else {
      std::fprintf(stderr, "bench_store: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (podfit.empty()) {  // next to bench/: build/bench/bench_store -> build/podfit
    std::string self = argv[0];
    podfit = self.substr(0, self.rfind('/') + 1) + "../podfit";
  }
  std::string path = dir + "/bench-store.db";
  if (reuse != 0 && file_size(path) > 0) {
    podfit::SampleSet pods;
    std::vector<Container> cluster = make_cluster(pods, containers, seed);
    pods.finalize();
    auto store = must(podfit::store::Store::open(path), "open");
    auto info = must(store.info(), "info");
    if (!info.last_raw_ns) {
      std::fprintf(stderr, "bench_store: %s holds no raw points\n", path.c_str());
      return 2;
    }
    std::int64_t next_hour =
        (*info.last_raw_ns / podfit::kNanosPerHour + 1) * podfit::kNanosPerHour;
    std::printf("reusing %s: %.1f MB, newest raw point %lld\n", path.c_str(),
                static_cast<double>(file_size(path) + file_size(path + "-wal")) / 1e6,
                static_cast<long long>(*info.last_raw_ns / kSecond));
    simulate_collector(store, cluster, pods, next_hour, collector_hours, batch, path);
    return 0;
  }
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());

  podfit::SampleSet pods;
  std::vector<Container> cluster = make_cluster(pods, containers, seed);
  pods.finalize();
  const int raw_hours = 48;
  const int total_hours = days * 24;
  const int sketch_hours = std::max(total_hours - raw_hours, 0);
  const std::int64_t start_ns = 1767225600LL * kSecond;  // 2026-01-01T00:00:00Z
  auto store = must(podfit::store::Store::open(path), "open");

  auto started = std::chrono::steady_clock::now();
  std::uint64_t sketched = 0;
  for (int hour = 0; hour < sketch_hours; ++hour) {
    std::vector<podfit::HourSketch> sketches;
    std::int64_t hour_ns = start_ns + hour * podfit::kNanosPerHour;
    for (Container& c : cluster) {
      podfit::HourSketch sketch{c.pod,
                                c.name,
                                hour_ns,
                                hour_ns + podfit::kNanosPerHour,
                                podfit::QuantileSketch(),
                                podfit::QuantileSketch()};
      for (int tick = 0; tick < kTicksPerHour; ++tick) {
        Point point = next_point(c, hour_ns + tick * kTick);
        sketch.cpu.add(point.cpu_cores);
        sketch.memory.add(point.memory_bytes);
      }
      sketched += kTicksPerHour;
      sketches.push_back(std::move(sketch));
    }
    must(store.put_sketches(sketches, pods), "put_sketches");
  }
  double sketch_seconds = seconds_since(started);

  auto raw_started = std::chrono::steady_clock::now();
  std::size_t raw_points = 0;
  const int raw_ticks = std::min(raw_hours, total_hours) * kTicksPerHour;
  std::int64_t raw_start_ns = start_ns + sketch_hours * podfit::kNanosPerHour;
  raw_points = append_ticks(store, cluster, pods, raw_start_ns, 0, raw_ticks, batch);
  double raw_seconds = seconds_since(raw_started);
  std::uint64_t before_compact = file_size(path) + file_size(path + "-wal");
  std::uint64_t wal_before_compact = file_size(path + "-wal");
  std::string pages_before_compact = page_use(path);
  auto compact_started = std::chrono::steady_clock::now();
  std::int64_t now_ns = raw_start_ns + raw_ticks * kTick;
  must(store.compact(now_ns, podfit::store::kDefaultRawWindowSeconds,
                     podfit::store::kDefaultRetentionSeconds),
       "compact");
  double compact_seconds = seconds_since(compact_started);
  auto info = must(store.info(), "info");
  std::uint64_t bytes = file_size(path) + file_size(path + "-wal");

  std::string timing = dir + "/bench-store.time";
  std::string command =
      "/usr/bin/time -v " + podfit + " recommend --store " + path + " >/dev/null 2>" + timing;
  auto run_started = std::chrono::steady_clock::now();
  int status = std::system(command.c_str());
  double run_seconds = seconds_since(run_started);
  std::ifstream timing_file(timing);
  std::string report((std::istreambuf_iterator<char>(timing_file)), {});

  std::printf("cluster         %d containers in %zu pods, %d days at 15 s, seed %llu\n", containers,
              pods.pods().size(), days, static_cast<unsigned long long>(seed));
  std::printf("store           %s\n", path.c_str());
  std::printf("raw points      %zu (%d h), sketches %zu (%llu points)\n", raw_points,
              std::min(raw_hours, total_hours), info.sketches,
              static_cast<unsigned long long>(sketched));
  std::printf(
      "build seconds   %.1f (sketches %.1f, raw appends %.1f in batches of %d ticks, "
      "compact %.1f)\n",
      sketch_seconds + raw_seconds + compact_seconds, sketch_seconds, raw_seconds, batch,
      compact_seconds);
  std::printf("size before compact  %.1f MB (WAL %.1f MB)\n",
              static_cast<double>(before_compact) / 1e6,
              static_cast<double>(wal_before_compact) / 1e6);
  std::printf("%s", pages_before_compact.c_str());
  std::printf("size (db + wal)      %.1f MB  (target <= 100 MB)\n",
              static_cast<double>(bytes) / 1e6);
  std::printf(
      "bytes per raw point  %.2f (whole file / raw points, upper bound)\n",
      static_cast<double>(bytes) / static_cast<double>(std::max<std::size_t>(raw_points, 1)));
  std::printf("recommend       exit %d, wall %.2f s (target <= 2 s), max RSS %s KB\n",
              WEXITSTATUS(status), run_seconds,
              value_after(report, "Maximum resident set size (kbytes): ").c_str());
  if (collector_hours > 0) {
    simulate_collector(store, cluster, pods, now_ns, collector_hours, batch, path);
  }
  return status == 0 ? 0 : 1;
}

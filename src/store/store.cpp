// Opening a store, appending ticks and reading history back.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "store/impl.hpp"

#include "podfit/core/time.hpp"

namespace podfit::store {

namespace {

constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53

std::uint64_t file_size(const std::string& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uint64_t>(status.st_size) : 0;
}

}  // namespace

void bind_cpu(sql::Statement& statement, int index, double cores) {
  double nanos = std::round(cores * 1e9);
  if (std::abs(nanos) < kExactIntegerLimit && nanos / 1e9 == cores) {
    statement.bind(index, static_cast<std::int64_t>(nanos));
  } else {
    statement.bind(index, cores);
  }
}

void bind_memory(sql::Statement& statement, int index, double bytes) {
  if (std::abs(bytes) < kExactIntegerLimit && std::floor(bytes) == bytes) {
    statement.bind(index, static_cast<std::int64_t>(bytes));
  } else {
    statement.bind(index, bytes);
  }
}

double column_cpu(const sql::Statement& statement, int column) {
  if (statement.is_integer(column)) return static_cast<double>(statement.integer(column)) / 1e9;
  return statement.real(column);
}

double column_memory(const sql::Statement& statement, int column) {
  return statement.real(column);
}

Store::Store(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::open(const std::string& path, OpenMode mode) {
  bool writable = mode == OpenMode::read_write;
  struct stat status {};
  if (!writable && ::stat(path.c_str(), &status) != 0) {
    return fail(path + ": no such store (run podfit collect --store or podfit store import)");
  }
  int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  PODFIT_TRY_ASSIGN(db, sql::Database::open(path, flags | SQLITE_OPEN_NOMUTEX));
  if (auto checked = check_and_migrate(db, writable); !checked) {
    return tl::unexpected(checked.error());
  }
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db);
  impl->writable = writable;
  return Store(path, std::move(impl));
}

Result<void> Store::Impl::load_caches() {
  if (caches_loaded) return {};
  PODFIT_TRY_ASSIGN(pods, db.prepare("SELECT id, namespace, name FROM pods"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, pods.step());
    if (!row) break;
    pod_ids[{pods.text(1), pods.text(2)}] = pods.integer(0);
  }
  PODFIT_TRY_ASSIGN(labels, db.prepare("SELECT pod, key, value FROM pod_labels"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, labels.step());
    if (!row) break;
    pod_labels[labels.integer(0)][labels.text(1)] = labels.text(2);
  }
  PODFIT_TRY_ASSIGN(series, db.prepare("SELECT id, pod, container FROM series"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, series.step());
    if (!row) break;
    series_ids[{series.integer(1), series.text(2)}] = series.integer(0);
  }
  PODFIT_TRY_ASSIGN(hour, store::open_hour(db));
  open_hour = hour;
  caches_loaded = true;
  return {};
}

void Store::Impl::forget_caches() {
  pod_ids.clear();
  pod_labels.clear();
  series_ids.clear();
  open_hour = std::numeric_limits<std::int64_t>::min();
  caches_loaded = false;
}

Result<std::int64_t> Store::Impl::pod_id(const PodRecord& pod) {
  auto key = std::make_pair(pod.namespace_name, pod.name);
  auto found = pod_ids.find(key);
  std::int64_t id = 0;
  if (found != pod_ids.end()) {
    id = found->second;
  } else {
    PODFIT_TRY_ASSIGN(insert, db.prepare("INSERT INTO pods(namespace, name) VALUES(?, ?)"));
    if (auto done = insert.bind(1, pod.namespace_name).bind(2, pod.name).run(); !done) {
      return tl::unexpected(done.error());
    }
    id = sqlite3_last_insert_rowid(db.handle());
    pod_ids.emplace(std::move(key), id);
  }
  if (pod.labels.empty() || pod_labels[id] == pod.labels) return id;
  PODFIT_TRY_ASSIGN(clear, db.prepare("DELETE FROM pod_labels WHERE pod = ?"));
  if (auto done = clear.bind(1, id).run(); !done) return tl::unexpected(done.error());
  PODFIT_TRY_ASSIGN(insert, db.prepare("INSERT INTO pod_labels(pod, key, value) VALUES(?, ?, ?)"));
  for (const auto& [key_text, value] : pod.labels) {
    if (auto done = insert.bind(1, id).bind(2, key_text).bind(3, value).run(); !done) {
      return tl::unexpected(done.error());
    }
  }
  pod_labels[id] = pod.labels;
  return id;
}

Result<std::int64_t> Store::Impl::series_id(std::int64_t pod, const std::string& container,
                                            double window_seconds) {
  auto key = std::make_pair(pod, container);
  if (auto found = series_ids.find(key); found != series_ids.end()) return found->second;
  PODFIT_TRY_ASSIGN(
      insert, db.prepare("INSERT INTO series(pod, container, window_seconds) VALUES(?, ?, ?)"));
  if (auto done = insert.bind(1, pod).bind(2, container).bind(3, window_seconds).run(); !done) {
    return tl::unexpected(done.error());
  }
  std::int64_t id = sqlite3_last_insert_rowid(db.handle());
  series_ids.emplace(std::move(key), id);
  return id;
}

namespace {

Result<void> insert_events(sql::Database& db, const std::vector<ContainerEvent>& events) {
  if (events.empty()) return {};
  PODFIT_TRY_ASSIGN(
      insert,
      db.prepare(
          "INSERT OR IGNORE INTO events(namespace, pod, container, restart_count, time_ns, reason, "
          "memory_limit_bytes) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  for (const ContainerEvent& event : events) {
    insert.bind(1, event.namespace_name).bind(2, event.pod).bind(3, event.container);
    insert.bind(4, static_cast<std::int64_t>(event.restart_count)).bind(5, event.time_ns);
    insert.bind(6, event.reason);
    if (event.memory_limit_bytes) {
      insert.bind(7, *event.memory_limit_bytes);
    } else {
      insert.bind_null(7);
    }
    if (auto done = insert.run(); !done) return done;
  }
  return {};
}

void bind_optional_text(sql::Statement& statement, int index,
                        const std::optional<ResourceValue>& value) {
  if (value) {
    statement.bind(index, value->text);
  } else {
    statement.bind_null(index);
  }
}

Result<void> replace_resources(sql::Database& db, const std::vector<WorkloadResources>& resources) {
  if (resources.empty()) return {};
  PODFIT_TRY_ASSIGN(
      insert,
      db.prepare(
          "INSERT OR REPLACE INTO current_resources(namespace, kind, name, container, cpu_request, "
          "cpu_limit, memory_request, memory_limit) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const WorkloadResources& entry : resources) {
    insert.bind(1, entry.workload.namespace_name).bind(2, entry.workload.kind);
    insert.bind(3, entry.workload.name).bind(4, entry.container);
    bind_optional_text(insert, 5, entry.current.cpu_request);
    bind_optional_text(insert, 6, entry.current.cpu_limit);
    bind_optional_text(insert, 7, entry.current.memory_request);
    bind_optional_text(insert, 8, entry.current.memory_limit);
    if (auto done = insert.run(); !done) return done;
  }
  return {};
}

// The hour the newest point is in, but never more than an hour past the clock:
// one bogus future timestamp must not send every later tick to the chunks.
std::int64_t hour_to_open(std::int64_t newest_ns) {
  return std::min(hour_of(newest_ns), hour_of(now_ns()) + 1);
}

// Points of the open hour (and later) become `samples` rows; points of closed
// hours go into their chunks. A newer hour closes the hours before it.
Result<void> append_points(sql::Database& db, std::int64_t& open_hour, const SampleSet& samples,
                           const std::vector<std::int64_t>& series_ids, AppendSummary& summary) {
  auto insert =
      db.prepare("INSERT OR IGNORE INTO samples(series, time_ns, cpu, memory) VALUES(?, ?, ?, ?)");
  if (!insert) return tl::unexpected(insert.error());
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<SamplePoint>> late;
  std::int64_t newest = std::numeric_limits<std::int64_t>::min();
  for (std::size_t i = 0; i < samples.series().size(); ++i) {
    std::int64_t id = series_ids[i];
    for (const SamplePoint& point : samples.series()[i].points) {
      ++summary.points;
      newest = std::max(newest, point.time_ns);
      if (hour_of(point.time_ns) < open_hour) {
        late[{id, hour_of(point.time_ns)}].push_back(point);
        continue;
      }
      insert->bind(1, id).bind(2, point.time_ns);
      bind_cpu(*insert, 3, point.cpu_cores);
      bind_memory(*insert, 4, point.memory_bytes);
      if (auto done = insert->run(); !done) return done;
      summary.added += static_cast<std::size_t>(sqlite3_changes(db.handle()));
    }
  }
  for (auto& [key, points] : late) {
    PODFIT_TRY_ASSIGN(added, add_to_chunk(db, key.first, key.second, std::move(points)));
    summary.added += added;
  }
  if (summary.points == 0) return {};
  std::int64_t hour = hour_to_open(newest);
  if (hour <= open_hour) return {};
  if (auto closed = close_hours(db, hour); !closed) return closed;
  open_hour = hour;
  return {};
}

}  // namespace

Result<AppendSummary> Store::append(const SampleSet& samples,
                                    const std::vector<ContainerEvent>& events,
                                    const std::vector<WorkloadResources>& resources) {
  if (!impl_->writable) return fail(path_ + ": opened read-only");
  if (auto loaded = impl_->load_caches(); !loaded) return tl::unexpected(loaded.error());
  PODFIT_TRY_ASSIGN(transaction, sql::Transaction::begin(impl_->db));
  AppendSummary summary;
  std::vector<std::int64_t> pod_ids;
  for (const PodRecord& pod : samples.pods()) {
    auto id = impl_->pod_id(pod);
    if (!id) {
      impl_->forget_caches();  // the rollback may have undone inserted ids
      return tl::unexpected(id.error());
    }
    pod_ids.push_back(*id);
  }
  std::vector<std::int64_t> series_ids;
  for (const ContainerSeries& series : samples.series()) {
    auto id = impl_->series_id(pod_ids[series.pod], series.container, series.first_window_seconds);
    if (!id) {
      impl_->forget_caches();
      return tl::unexpected(id.error());
    }
    series_ids.push_back(*id);
  }
  auto stored = append_points(impl_->db, impl_->open_hour, samples, series_ids, summary);
  if (!stored) {
    impl_->forget_caches();
    return tl::unexpected(stored.error());
  }
  auto written = insert_events(impl_->db, events).and_then([&] {
    return replace_resources(impl_->db, resources);
  });
  if (written) written = transaction.commit();
  if (!written) {
    impl_->forget_caches();
    return tl::unexpected(written.error());
  }
  return summary;
}

Result<std::string> Store::integrity_check() const {
  PODFIT_TRY_ASSIGN(check, impl_->db.prepare("PRAGMA integrity_check"));
  std::string result;
  for (;;) {
    PODFIT_TRY_ASSIGN(row, check.step());
    if (!row) break;
    if (!result.empty()) result += '\n';
    result += check.text(0);
  }
  return result;
}

Result<StoreInfo> Store::info() const {
  StoreInfo info;
  info.path = path_;
  info.schema_version = kSchemaVersion;
  PODFIT_TRY_ASSIGN(
      counts,
      impl_->db.prepare(
          "SELECT (SELECT count(*) FROM pods), (SELECT count(*) FROM series), "
          "(SELECT count(*) FROM hour_sketches), (SELECT count(*) FROM events), "
          "(SELECT count(*) FROM current_resources), (SELECT min(hour) FROM hour_sketches), "
          "(SELECT max(hour) FROM hour_sketches), (SELECT total(count) FROM hour_sketches)"));
  PODFIT_TRY(counts.step());
  info.pods = static_cast<std::size_t>(counts.integer(0));
  info.series = static_cast<std::size_t>(counts.integer(1));
  info.sketches = static_cast<std::size_t>(counts.integer(2));
  info.events = static_cast<std::size_t>(counts.integer(3));
  info.resources = static_cast<std::size_t>(counts.integer(4));
  if (!counts.is_null(5)) {
    info.first_sketch_hour_ns = counts.integer(5) * kNanosPerHour;
    info.last_sketch_hour_ns = counts.integer(6) * kNanosPerHour;
  }
  info.sketched_points = static_cast<std::uint64_t>(counts.real(7));
  PODFIT_TRY_ASSIGN(
      raw, impl_->db.prepare(
               "SELECT count(*), min(time_ns), max(time_ns), (SELECT total(count) FROM chunks) "
               "FROM samples"));
  if (auto raw_row = raw.step(); !raw_row) return tl::unexpected(raw_row.error());
  info.raw_points =
      static_cast<std::size_t>(raw.integer(0)) + static_cast<std::size_t>(raw.real(3));
  PODFIT_TRY_ASSIGN(chunked, chunk_time_range(impl_->db));
  if (!raw.is_null(1)) {
    chunked.first = std::min(chunked.first, raw.integer(1));
    chunked.second = std::max(chunked.second, raw.integer(2));
  }
  if (chunked.first <= chunked.second) {
    info.first_raw_ns = chunked.first;
    info.last_raw_ns = chunked.second;
  }
  info.file_bytes = file_size(path_) + file_size(path_ + "-wal");
  return info;
}

}  // namespace podfit::store

// Compaction: raw hours older than the raw window become hour sketches; sketches
// and events older than the retention are dropped. One transaction.
#include <cmath>
#include <limits>
#include <map>

#include "store/impl.hpp"

namespace podfit::store {

namespace {

struct HourKey {
  std::int64_t series;
  std::int64_t hour;
  auto operator<=>(const HourKey&) const = default;
};

struct HourPair {
  stats::QuantileSketch cpu;
  stats::QuantileSketch memory;
};

std::int64_t nanos_of(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

Result<std::map<HourKey, HourPair>> sketch_raw_points(sql::Database& db, std::int64_t boundary_ns,
                                                      std::size_t& points) {
  std::map<HourKey, HourPair> hours;
  auto rows = db.prepare("SELECT series, time_ns, cpu, memory FROM samples WHERE time_ns < ?");
  if (!rows) return tl::unexpected(rows.error());
  rows->bind(1, boundary_ns);
  for (;;) {
    auto row = rows->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    HourPair& pair = hours[HourKey{rows->integer(0), hour_of(rows->integer(1))}];
    pair.cpu.add(column_cpu(*rows, 2));
    pair.memory.add(column_memory(*rows, 3));
    ++points;
  }
  auto visit = [&](std::int64_t series, const std::vector<SamplePoint>& chunk) -> Result<void> {
    for (const SamplePoint& point : chunk) {
      HourPair& pair = hours[HourKey{series, hour_of(point.time_ns)}];
      pair.cpu.add(point.cpu_cores);
      pair.memory.add(point.memory_bytes);
      ++points;
    }
    return {};
  };
  std::int64_t below = hour_of(boundary_ns);
  if (auto done = for_each_chunk(db, std::numeric_limits<std::int64_t>::min(), below - 1, visit);
      !done) {
    return tl::unexpected(done.error());
  }
  return hours;
}

// An hour may already have a sketch (points that arrived late): merge into it.
Result<void> merge_existing(sql::Database& db, const HourKey& key, HourPair& pair) {
  auto existing = db.prepare("SELECT cpu, memory FROM hour_sketches WHERE series = ? AND hour = ?");
  if (!existing) return tl::unexpected(existing.error());
  existing->bind(1, key.series).bind(2, key.hour);
  auto row = existing->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return {};
  auto cpu = stats::QuantileSketch::decode(existing->blob(0));
  auto memory = stats::QuantileSketch::decode(existing->blob(1));
  if (!cpu || !memory) return fail(db.path() + ": bad hour sketch (corrupt store)");
  auto merged = pair.cpu.merge(*cpu).and_then([&] { return pair.memory.merge(*memory); });
  if (!merged) return fail(db.path() + ": " + merged.error().message);
  return {};
}

Result<std::size_t> delete_rows(sql::Database& db, const char* statement, std::int64_t bound) {
  auto remove = db.prepare(statement);
  if (!remove) return tl::unexpected(remove.error());
  if (auto done = remove->bind(1, bound).run(); !done) return tl::unexpected(done.error());
  return static_cast<std::size_t>(sqlite3_changes(db.handle()));
}

}  // namespace

Result<CompactSummary> Store::compact(std::int64_t now_ns, double raw_window_seconds,
                                      double retention_seconds) {
  if (!impl_->writable) return fail(path_ + ": opened read-only");
  if (raw_window_seconds < 0 || retention_seconds < raw_window_seconds) {
    return fail("the retention must be at least the raw window");
  }
  CompactSummary summary;
  // Only whole hours are compacted: points of the hour the window starts in stay raw.
  std::int64_t boundary_ns = hour_of(now_ns - nanos_of(raw_window_seconds)) * kNanosPerHour;
  std::int64_t oldest_hour = hour_of(now_ns - nanos_of(retention_seconds));

  auto transaction = sql::Transaction::begin(impl_->db);
  if (!transaction) return tl::unexpected(transaction.error());
  auto hours = sketch_raw_points(impl_->db, boundary_ns, summary.points_compacted);
  if (!hours) return tl::unexpected(hours.error());
  auto insert = impl_->db.prepare(
      "INSERT OR REPLACE INTO hour_sketches(series, hour, count, cpu, memory) "
      "VALUES(?, ?, ?, ?, ?)");
  if (!insert) return tl::unexpected(insert.error());
  for (auto& [key, pair] : *hours) {
    if (key.hour < oldest_hour) continue;  // already past the retention
    if (auto merged = merge_existing(impl_->db, key, pair); !merged) {
      return tl::unexpected(merged.error());
    }
    insert->bind(1, key.series).bind(2, key.hour);
    insert->bind(3, static_cast<std::int64_t>(pair.cpu.count()));
    insert->bind_blob(4, pair.cpu.encode()).bind_blob(5, pair.memory.encode());
    if (auto done = insert->run(); !done) return tl::unexpected(done.error());
    ++summary.hours_compacted;
  }
  auto removed = delete_rows(impl_->db, "DELETE FROM samples WHERE time_ns < ?", boundary_ns)
                     .and_then([&](std::size_t) {
                       return delete_rows(impl_->db, "DELETE FROM chunks WHERE hour < ?",
                                          hour_of(boundary_ns));
                     });
  auto dropped = removed.and_then([&](std::size_t) {
    return delete_rows(impl_->db, "DELETE FROM hour_sketches WHERE hour < ?", oldest_hour);
  });
  if (!dropped) return tl::unexpected(dropped.error());
  summary.sketches_dropped = *dropped;
  auto events =
      delete_rows(impl_->db, "DELETE FROM events WHERE time_ns < ?", oldest_hour * kNanosPerHour);
  if (!events) return tl::unexpected(events.error());
  summary.events_dropped = *events;
  // Pods come and go: forget series and pods nothing refers to any more.
  auto orphans = impl_->db.exec(
      "DELETE FROM series WHERE id NOT IN (SELECT series FROM samples UNION "
      "SELECT series FROM chunks UNION SELECT series FROM hour_sketches);"
      "DELETE FROM pods WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.pod = pods.id);"
      "DELETE FROM pod_labels WHERE NOT EXISTS (SELECT 1 FROM pods p WHERE p.id = pod_labels.pod)");
  if (!orphans) return tl::unexpected(orphans.error());
  impl_->forget_caches();
  if (auto done = transaction->commit(); !done) return tl::unexpected(done.error());
  // Give the freed pages back to the file system and fold the WAL into the file.
  if (auto done = impl_->db.exec(
          "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE)");
      !done) {
    return tl::unexpected(done.error());
  }
  return summary;
}

}  // namespace podfit::store

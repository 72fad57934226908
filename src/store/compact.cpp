// Compaction: raw hours older than the raw window become hour sketches; sketches
// and events older than the retention are dropped. A transaction per day of raw
// hours, and one for the rest.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "store/impl.hpp"

namespace podfit::store {

namespace {

// Ordered as the hour_sketches key (hour, series): sketches are inserted in key order,
// at the end of the b-tree, whose pages then stay full.
struct HourKey {
  std::int64_t hour;
  std::int64_t series;
  auto operator<=>(const HourKey&) const = default;
};

struct HourPair {
  QuantileSketch cpu;
  QuantileSketch memory;
};

std::int64_t nanos_of(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

// The raw points of hours [first_hour, end_hour), one sketch pair per series and hour.
Result<std::map<HourKey, HourPair>> sketch_raw_points(sql::Database& db, std::int64_t first_hour,
                                                      std::int64_t end_hour, std::size_t& points) {
  std::map<HourKey, HourPair> hours;
  PODFIT_TRY_ASSIGN(
      rows,
      db.prepare(
          "SELECT series, time_ns, cpu, memory FROM samples WHERE time_ns >= ? AND time_ns < ?"));
  rows.bind(1, first_hour * kNanosPerHour).bind(2, end_hour * kNanosPerHour);
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    HourPair& pair = hours[HourKey{hour_of(rows.integer(1)), rows.integer(0)}];
    pair.cpu.add(column_cpu(rows, 2));
    pair.memory.add(column_memory(rows, 3));
    ++points;
  }
  auto visit = [&](std::int64_t series, const std::vector<SamplePoint>& chunk) -> Result<void> {
    for (const SamplePoint& point : chunk) {
      HourPair& pair = hours[HourKey{hour_of(point.time_ns), series}];
      pair.cpu.add(point.cpu_cores);
      pair.memory.add(point.memory_bytes);
      ++points;
    }
    return {};
  };
  if (auto done = for_each_chunk(db, first_hour, end_hour - 1, visit); !done) {
    return tl::unexpected(done.error());
  }
  return hours;
}

// The row an hour's sketch goes to: its own, or a six-hour row that covers it.
struct SketchRow {
  std::int64_t hour;
  std::int64_t hours = 1;
};

// An hour may already have a sketch (points that arrived late), or be inside a six-hour
// row: merge into it, and return the row to write.
Result<SketchRow> merge_existing(sql::Database& db, const HourKey& key, HourPair& pair) {
  // Six point look-ups of the (hour, series) key: a range of hours would visit every
  // series' rows of those hours.
  static_assert(kCoarseSketchHours == 6, "the IN list below names six hours");
  PODFIT_TRY_ASSIGN(existing, db.prepare("SELECT cpu, memory, count, crc, hour, hours FROM "
                                         "hour_sketches WHERE series = ?1 AND hour IN (?2, ?2 - 1, "
                                         "?2 - 2, ?2 - 3, ?2 - 4, ?2 - 5) AND hour + hours > ?2 "
                                         "ORDER BY hour DESC LIMIT 1"));
  existing.bind(1, key.series).bind(2, key.hour);
  PODFIT_TRY_ASSIGN(row, existing.step());
  if (!row) return SketchRow{key.hour};
  SketchRow found{existing.integer(4), existing.integer(5)};
  PODFIT_TRY(verify_checksum(db, "hour sketch", key.series, found.hour, existing, 3,
                             sketch_checksum(key.series, found.hour, existing.integer(2),
                                             existing.blob(0), existing.blob(1), found.hours)));
  auto cpu = QuantileSketch::decode(existing.blob(0));
  auto memory = QuantileSketch::decode(existing.blob(1));
  if (!cpu || !memory) return fail(db.path() + ": bad hour sketch (corrupt store)");
  auto merged = pair.cpu.merge(*cpu).and_then([&] { return pair.memory.merge(*memory); });
  if (!merged) return fail(db.path() + ": " + merged.error().message);
  return found;
}

constexpr char kCoarsenedKey[] = "sketches_coarsened_before_hour";

std::int64_t floor_group(std::int64_t hour) {
  std::int64_t into = hour % kCoarseSketchHours;
  return hour - (into < 0 ? into + kCoarseSketchHours : into);
}

// One six-hour group of one series being merged.
struct Group {
  HourPair pair;
  std::int64_t first_hour = std::numeric_limits<std::int64_t>::max();
  std::int64_t end_hour = std::numeric_limits<std::int64_t>::min();
  std::vector<std::int64_t> hours;  // of its rows
};

// Rows of hours [first_hour, end_hour) (whole groups) merged per series and six-hour
// group into one row spanning its first to its last hour; in one transaction.
Result<std::size_t> coarsen_groups(sql::Database& db, std::int64_t first_hour,
                                   std::int64_t end_hour) {
  std::map<HourKey, Group> groups;  // (group's first hour, series)
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT series, hour, count, cpu, memory, crc, hours FROM "
                                     "hour_sketches WHERE hour >= ? AND hour < ?"));
  rows.bind(1, first_hour).bind(2, end_hour);
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    std::int64_t series = rows.integer(0), hour = rows.integer(1), hours = rows.integer(6);
    PODFIT_TRY(verify_checksum(
        db, "hour sketch", series, hour, rows, 5,
        sketch_checksum(series, hour, rows.integer(2), rows.blob(3), rows.blob(4), hours)));
    Group& group = groups[HourKey{floor_group(hour), series}];
    PODFIT_TRY(group.pair.cpu.merge_encoded(rows.blob(3)));
    PODFIT_TRY(group.pair.memory.merge_encoded(rows.blob(4)));
    group.first_hour = std::min(group.first_hour, hour);
    group.end_hour = std::max(group.end_hour, hour + hours);
    group.hours.push_back(hour);
  }
  rows.reset();
  // By whole key: a range of hours would visit every series' rows of those hours.
  PODFIT_TRY_ASSIGN(remove,
                    db.prepare("DELETE FROM hour_sketches WHERE hour = ? AND series = ?"));
  PODFIT_TRY_ASSIGN(insert, db.prepare(kInsertHourSketchSql));
  std::size_t merged = 0;
  for (auto& [key, group] : groups) {
    if (group.hours.size() < 2) continue;  // one row (an hour, or a group merged) stays
    for (std::int64_t hour : group.hours) {
      PODFIT_TRY(remove.bind(1, hour).bind(2, key.series).run());
    }
    PODFIT_TRY(insert_hour_sketch(insert, key.series, group.first_hour,
                                  static_cast<std::int64_t>(group.pair.cpu.count()),
                                  group.pair.cpu.encode(), group.pair.memory.encode(),
                                  group.end_hour - group.first_hour));
    merged += group.hours.size();
  }
  return merged;
}

// Hour sketches before `before_hour` merged six hours to a row, from where the last run
// stopped (meta), a day per transaction.
Result<std::size_t> coarsen_hours(sql::Database& db, std::int64_t before_hour) {
  std::int64_t end = floor_group(before_hour);
  PODFIT_TRY_ASSIGN(marked, db.prepare("SELECT (SELECT value FROM meta WHERE key = ?), "
                                       "(SELECT min(hour) FROM hour_sketches)"));
  marked.bind(1, std::string_view(kCoarsenedKey));
  PODFIT_TRY(marked.step());
  if (marked.is_null(1)) return std::size_t{0};  // no sketches
  std::int64_t start = floor_group(marked.integer(1));
  if (!marked.is_null(0)) {
    try {
      start = std::max<std::int64_t>(start, std::stoll(marked.text(0)));
    } catch (const std::exception&) {
      return fail(db.path() + ": bad " + kCoarsenedKey + " in meta (corrupt store)");
    }
  }
  marked.reset();
  std::size_t merged = 0;
  constexpr std::int64_t kHoursPerStep = 24;
  for (std::int64_t first = start; first < end; first += kHoursPerStep) {
    std::int64_t last = std::min(first + kHoursPerStep, end);
    PODFIT_TRY_ASSIGN(transaction, sql::Transaction::begin(db));
    PODFIT_TRY_ASSIGN(rows, coarsen_groups(db, first, last));
    merged += rows;
    PODFIT_TRY_ASSIGN(mark, db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
    PODFIT_TRY(mark.bind(1, std::string_view(kCoarsenedKey)).bind(2, std::to_string(last)).run());
    mark.reset();
    PODFIT_TRY(transaction.commit());
  }
  return merged;
}

Result<std::size_t> delete_rows(sql::Database& db, const char* statement, std::int64_t bound) {
  PODFIT_TRY_ASSIGN(remove, db.prepare(statement));
  if (auto done = remove.bind(1, bound).run(); !done) return tl::unexpected(done.error());
  return static_cast<std::size_t>(sqlite3_changes(db.handle()));
}

Result<double> free_page_share(const sql::Database& db) {
  PODFIT_TRY_ASSIGN(pages,
                    db.prepare("SELECT freelist_count, page_count FROM pragma_freelist_count, "
                               "pragma_page_count"));
  if (auto row = pages.step(); !row) return tl::unexpected(row.error());
  std::int64_t total = pages.integer(1);
  return total > 0 ? static_cast<double>(pages.integer(0)) / static_cast<double>(total) : 0.0;
}

// The first hour with raw points, if any.
Result<std::optional<std::int64_t>> first_raw_hour(const sql::Database& db) {
  // The hour of a time is computed here, not in SQL: SQLite's integer division rounds
  // toward zero, so a time before 1970 would name the hour after its own, which compact
  // would then never empty (and would look for again, forever).
  PODFIT_TRY_ASSIGN(first, db.prepare("SELECT (SELECT min(hour) FROM chunks), "
                                      "(SELECT min(time_ns) FROM samples)"));
  if (auto row = first.step(); !row) return tl::unexpected(row.error());
  std::optional<std::int64_t> hour;
  if (!first.is_null(0)) hour = first.integer(0);
  if (!first.is_null(1)) {
    std::int64_t raw_hour = hour_of(first.integer(1));
    hour = hour ? std::min(*hour, raw_hour) : raw_hour;
  }
  return hour;
}

}  // namespace

std::string CompactSummary::text() const {
  std::string out = "compacted " + std::to_string(points_compacted) + " points into " +
                    std::to_string(hours_compacted) + " container-hours; dropped " +
                    std::to_string(sketches_dropped + raw_hours_dropped) + " container-hours";
  if (raw_hours_dropped > 0) {
    out += " (" + std::to_string(raw_hours_dropped) + " of them raw, " +
           std::to_string(raw_points_dropped) + " points never sketched)";
  }
  out += " and " + std::to_string(events_dropped) + " events past the retention";
  if (hours_coarsened > 0) {
    out += "; merged " + std::to_string(hours_coarsened) +
           " hour sketches over a week old into six-hour ones";
  }
  return out;
}

// Hours [first_hour, end_hour) become sketches (those past the retention are just
// dropped), in one transaction: an hour is either raw or sketched, never both.
Result<void> Store::compact_hours(std::int64_t first_hour, std::int64_t end_hour,
                                  std::int64_t oldest_hour, CompactSummary& summary) {
  PODFIT_TRY_ASSIGN(transaction, sql::Transaction::begin(impl_->db));
  PODFIT_TRY_ASSIGN(hours,
                    sketch_raw_points(impl_->db, first_hour, end_hour, summary.points_compacted));
  PODFIT_TRY_ASSIGN(insert, impl_->db.prepare(kInsertHourSketchSql));
  for (auto& [key, pair] : hours) {
    if (key.hour < oldest_hour) {  // already past the retention
      ++summary.raw_hours_dropped;
      summary.raw_points_dropped += pair.cpu.count();
      continue;
    }
    PODFIT_TRY_ASSIGN(row, merge_existing(impl_->db, key, pair));
    PODFIT_TRY(insert_hour_sketch(insert, key.series, row.hour,
                                  static_cast<std::int64_t>(pair.cpu.count()), pair.cpu.encode(),
                                  pair.memory.encode(), row.hours));
    ++summary.hours_compacted;
  }
  auto remove_rows = impl_->db.prepare("DELETE FROM samples WHERE time_ns >= ? AND time_ns < ?");
  auto remove_chunks = impl_->db.prepare("DELETE FROM chunks WHERE hour >= ? AND hour < ?");
  if (!remove_rows) return tl::unexpected(remove_rows.error());
  if (!remove_chunks) return tl::unexpected(remove_chunks.error());
  remove_rows->bind(1, first_hour * kNanosPerHour).bind(2, end_hour * kNanosPerHour);
  remove_chunks->bind(1, first_hour).bind(2, end_hour);
  if (auto done = remove_rows->run(); !done) return done;
  if (auto done = remove_chunks->run(); !done) return done;
  return transaction.commit();
}

Result<CompactSummary> Store::compact(std::int64_t now_ns, double raw_window_seconds,
                                      double retention_seconds, Vacuum vacuum) {
  if (!impl_->writable) return fail(path_ + ": opened read-only");
  if (raw_window_seconds < 0 || retention_seconds < raw_window_seconds) {
    return fail("the retention must be at least the raw window");
  }
  CompactSummary summary;
  // Only whole hours are compacted: points of the hour the window starts in stay raw.
  std::int64_t boundary_hour = hour_of(now_ns - nanos_of(raw_window_seconds));
  std::int64_t oldest_hour = hour_of(now_ns - nanos_of(retention_seconds));
  // A day at a time from the oldest raw hour left, so that a store that went long
  // without compaction is not held in memory whole (a day of 1,000 containers is
  // 24,000 sketch pairs), and gaps of years cost nothing.
  constexpr std::int64_t kHoursPerStep = 24;
  for (;;) {
    PODFIT_TRY_ASSIGN(first, first_raw_hour(impl_->db));
    if (!first || *first >= boundary_hour) break;
    std::int64_t end = std::min(*first + kHoursPerStep, boundary_hour);
    if (auto done = compact_hours(*first, end, oldest_hour, summary); !done) {
      impl_->forget_caches();
      return tl::unexpected(done.error());
    }
  }
  // Days older than a week (or than the raw window, if longer) need no hourly detail.
  std::int64_t hourly_hour =
      std::min(boundary_hour, hour_of(now_ns - nanos_of(kHourlySketchSeconds)));
  auto coarsened = coarsen_hours(impl_->db, hourly_hour);
  if (!coarsened) {
    impl_->forget_caches();
    return tl::unexpected(coarsened.error());
  }
  summary.hours_coarsened = *coarsened;
  PODFIT_TRY_ASSIGN(transaction, sql::Transaction::begin(impl_->db));
  PODFIT_TRY_ASSIGN(
      dropped, delete_rows(impl_->db, "DELETE FROM hour_sketches WHERE hour < ?", oldest_hour));
  summary.sketches_dropped = dropped;
  auto events =
      delete_rows(impl_->db, "DELETE FROM events WHERE time_ns < ?", oldest_hour * kNanosPerHour);
  if (!events) return tl::unexpected(events.error());
  summary.events_dropped = *events;
  // Pods come and go: forget series and pods nothing refers to any more.
  PODFIT_TRY(impl_->db.exec(
      "DELETE FROM series WHERE id NOT IN (SELECT series FROM samples UNION "
      "SELECT series FROM chunks UNION SELECT series FROM hour_sketches);"
      "DELETE FROM pods WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.pod = pods.id);"
      "DELETE FROM pod_labels WHERE NOT EXISTS (SELECT 1 FROM pods p WHERE p.id = "
      "pod_labels.pod)"));
  impl_->forget_caches();
  if (auto done = transaction.commit(); !done) return tl::unexpected(done.error());
  // Fold the WAL into the file; give freed pages back to the file system when asked,
  // or when a quarter of the file is free (else later writes reuse them anyway).
  if (auto done = impl_->db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); !done) {
    return tl::unexpected(done.error());
  }
  PODFIT_TRY_ASSIGN(free_share, free_page_share(impl_->db));
  summary.free_share_before_vacuum = free_share;
  if (vacuum == Vacuum::always || (vacuum == Vacuum::when_a_quarter_free && free_share >= 0.25)) {
    if (auto done = impl_->db.exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE)"); !done) {
      return tl::unexpected(done.error());
    }
    summary.vacuumed = true;
  }
  return summary;
}

}  // namespace podfit::store

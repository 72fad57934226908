// Raw points on disk: rows of `samples` for the open hour (appended per tick),
// chunks of closed hours (one blob per series and hour, src/store/chunk.cpp).
#include <algorithm>
#include <limits>

#include "store/chunk.hpp"
#include "store/impl.hpp"

namespace podfit::store {

namespace {

constexpr char kOpenHourKey[] = "raw_open_hour";

struct SeriesHour {
  std::int64_t series;
  std::int64_t hour;
  bool operator==(const SeriesHour&) const = default;
};

}  // namespace

Result<std::vector<SamplePoint>> load_chunk(const sql::Database& db, std::int64_t series,
                                            std::int64_t hour) {
  PODFIT_TRY_ASSIGN(select, db.prepare("SELECT points, count, crc FROM chunks WHERE series = ? "
                                       "AND hour = ?"));
  select.bind(1, series).bind(2, hour);
  PODFIT_TRY_ASSIGN(row, select.step());
  std::vector<SamplePoint> points;
  if (!row) return points;
  PODFIT_TRY(verify_checksum(db, "chunk", series, hour, select, 2,
                             chunk_checksum(series, hour, select.integer(1), select.blob(0))));
  if (auto decoded = decode_chunk_of(db, series, hour, select.blob(0), points); !decoded) {
    return tl::unexpected(decoded.error());
  }
  return points;
}

Result<std::size_t> add_to_chunk(sql::Database& db, std::int64_t series, std::int64_t hour,
                                 std::vector<SamplePoint> points) {
  PODFIT_TRY_ASSIGN(stored, load_chunk(db, series, hour));
  std::size_t added = merge_points(stored, std::move(points));
  if (added == 0) return added;
  auto save =
      db.prepare("INSERT OR REPLACE INTO chunks(series, hour, count, points, crc) "
                 "VALUES(?, ?, ?, ?, ?)");
  if (!save) return tl::unexpected(save.error());
  auto count = static_cast<std::int64_t>(stored.size());
  std::string bytes = encode_chunk(hour, stored);
  save->bind(1, series).bind(2, hour).bind(3, count);
  save->bind_blob(4, bytes).bind(5, chunk_checksum(series, hour, count, bytes));
  if (auto done = save->run(); !done) return tl::unexpected(done.error());
  return added;
}

Result<void> close_hours(sql::Database& db, std::int64_t below_hour) {
  std::int64_t bound = below_hour > std::numeric_limits<std::int64_t>::max() / kNanosPerHour
                           ? std::numeric_limits<std::int64_t>::max()
                           : below_hour * kNanosPerHour;
  PODFIT_TRY_ASSIGN(rows,
                    db.prepare("SELECT series, time_ns, cpu, memory FROM samples WHERE time_ns < ? "
                               "ORDER BY series, time_ns"));
  rows.bind(1, bound);
  SeriesHour current{0, 0};
  std::vector<SamplePoint> points;
  auto flush = [&]() -> Result<void> {
    if (points.empty()) return {};
    auto added = add_to_chunk(db, current.series, current.hour, std::move(points));
    points.clear();
    if (!added) return tl::unexpected(added.error());
    return {};
  };
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    std::int64_t time = rows.integer(1);
    SeriesHour key{rows.integer(0), hour_of(time)};
    if (!(key == current)) {
      if (auto done = flush(); !done) return done;
      current = key;
    }
    points.push_back(SamplePoint{time, column_cpu(rows, 2), column_memory(rows, 3)});
  }
  if (auto done = flush(); !done) return done;
  PODFIT_TRY_ASSIGN(remove, db.prepare("DELETE FROM samples WHERE time_ns < ?"));
  if (auto done = remove.bind(1, bound).run(); !done) return done;
  PODFIT_TRY_ASSIGN(mark, db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
  return mark.bind(1, std::string_view(kOpenHourKey)).bind(2, std::to_string(below_hour)).run();
}

Result<std::int64_t> open_hour(const sql::Database& db) {
  PODFIT_TRY_ASSIGN(select, db.prepare("SELECT value FROM meta WHERE key = ?"));
  select.bind(1, std::string_view(kOpenHourKey));
  PODFIT_TRY_ASSIGN(row, select.step());
  if (!row) return std::numeric_limits<std::int64_t>::min();
  try {
    return std::stoll(select.text(0));
  } catch (const std::exception&) {
    return fail(db.path() + ": bad " + kOpenHourKey + " in meta (corrupt store)");
  }
}

Result<void> for_each_chunk_blob(const sql::Database& db, std::int64_t first_hour,
                                 std::int64_t last_hour, const ChunkBlobVisitor& visit) {
  PODFIT_TRY_ASSIGN(
      rows, db.prepare("SELECT series, hour, points, count, crc FROM chunks WHERE hour >= ? AND "
                       "hour <= ? ORDER BY hour, series"));
  rows.bind(1, first_hour).bind(2, last_hour);
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    std::int64_t series = rows.integer(0), hour = rows.integer(1);
    PODFIT_TRY(verify_checksum(db, "chunk", series, hour, rows, 4,
                               chunk_checksum(series, hour, rows.integer(3), rows.blob(2))));
    if (auto done = visit(series, hour, rows.blob(2)); !done) return done;
  }
  return {};
}

Result<void> for_each_chunk(const sql::Database& db, std::int64_t first_hour,
                            std::int64_t last_hour, const ChunkVisitor& visit) {
  std::vector<SamplePoint> points;
  return for_each_chunk_blob(
      db, first_hour, last_hour,
      [&](std::int64_t series, std::int64_t hour, std::string_view bytes) -> Result<void> {
        points.clear();
        if (auto decoded = decode_chunk_of(db, series, hour, bytes, points); !decoded) {
          return decoded;
        }
        return visit(series, points);
      });
}

Result<void> decode_chunk_of(const sql::Database& db, std::int64_t series, std::int64_t hour,
                             std::string_view bytes, std::vector<SamplePoint>& points) {
  if (auto decoded = decode_chunk(hour, bytes, points); !decoded) {
    return fail(db.path() + ": " + decoded.error().message + " (series " + std::to_string(series) +
                ", hour " + std::to_string(hour) + "; corrupt store)");
  }
  return {};
}

Result<std::pair<std::int64_t, std::int64_t>> chunk_time_range(const sql::Database& db) {
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  PODFIT_TRY_ASSIGN(hours, db.prepare("SELECT min(hour), max(hour) FROM chunks"));
  if (auto row = hours.step(); !row) return tl::unexpected(row.error());
  if (hours.is_null(0)) return std::make_pair(first, last);
  std::int64_t low = hours.integer(0), high = hours.integer(1);
  auto visit = [&](std::int64_t, const std::vector<SamplePoint>& points) -> Result<void> {
    for (const SamplePoint& point : points) {
      first = std::min(first, point.time_ns);
      last = std::max(last, point.time_ns);
    }
    return {};
  };
  if (auto done = for_each_chunk(db, low, low, visit); !done) return tl::unexpected(done.error());
  if (auto done = for_each_chunk(db, high, high, visit); !done) {
    return tl::unexpected(done.error());
  }
  return std::make_pair(first, last);
}

}  // namespace podfit::store

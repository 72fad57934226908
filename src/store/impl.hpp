// The Store's private state, shared by the store's .cpp files.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "podfit/store/store.hpp"
#include "store/sqlite.hpp"

namespace podfit::store {

struct Store::Impl {
  sql::Database db;
  bool writable = false;
  // Ids of rows already known, so a tick costs no lookups for known pods.
  std::map<std::pair<std::string, std::string>, std::int64_t> pod_ids;  // (namespace, name)
  std::map<std::int64_t, Labels> pod_labels;
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> series_ids;  // (pod id, container)
  // Points of hours before this one are in chunks; later ones are rows of `samples`.
  std::int64_t open_hour = std::numeric_limits<std::int64_t>::min();
  bool caches_loaded = false;

  Result<void> load_caches();
  void forget_caches();
  Result<std::int64_t> pod_id(const PodRecord& pod);
  Result<std::int64_t> series_id(std::int64_t pod, const std::string& container,
                                 double window_seconds);
};

// Schema creation, migrations and the open-time checks (schema.cpp).
Result<void> check_and_migrate(sql::Database& db, bool writable);

// How usage values are stored: CPU as integer nanocores and memory as integer
// bytes whenever that reads back to the very same double, else as REAL.
void bind_cpu(sql::Statement& statement, int index, double cores);
void bind_memory(sql::Statement& statement, int index, double bytes);
double column_cpu(const sql::Statement& statement, int column);
double column_memory(const sql::Statement& statement, int column);

// Raw points on disk (raw.cpp). Chunks hold the closed hours (one blob per
// series and hour); `samples` rows the hours from meta.raw_open_hour on.
Result<std::vector<SamplePoint>> load_chunk(const sql::Database& db, std::int64_t series,
                                            std::int64_t hour);
// Merges points into the chunk of (series, hour); returns how many were new.
Result<std::size_t> add_to_chunk(sql::Database& db, std::int64_t series, std::int64_t hour,
                                 std::vector<SamplePoint> points);
// Moves the `samples` rows of hours before `below_hour` into chunks and records
// below_hour as the open hour.
Result<void> close_hours(sql::Database& db, std::int64_t below_hour);
Result<std::int64_t> open_hour(const sql::Database& db);
using ChunkVisitor =
    std::function<Result<void>(std::int64_t series, const std::vector<SamplePoint>& points)>;
// Decoded chunks of hours first_hour..last_hour, in (hour, series) order.
Result<void> for_each_chunk(const sql::Database& db, std::int64_t first_hour,
                            std::int64_t last_hour, const ChunkVisitor& visit);
// The same chunks undecoded: the bytes are valid only during the call.
using ChunkBlobVisitor =
    std::function<Result<void>(std::int64_t series, std::int64_t hour, std::string_view bytes)>;
Result<void> for_each_chunk_blob(const sql::Database& db, std::int64_t first_hour,
                                 std::int64_t last_hour, const ChunkBlobVisitor& visit);
// decode_chunk (chunk.hpp), with the store, series and hour in its error.
Result<void> decode_chunk_of(const sql::Database& db, std::int64_t series, std::int64_t hour,
                             std::string_view bytes, std::vector<SamplePoint>& points);
// The first and last time of any chunk (max, min when there are none).
Result<std::pair<std::int64_t, std::int64_t>> chunk_time_range(const sql::Database& db);

// CRC-32 of a chunk row or hour-sketch row (checksum.cpp), stored in its `crc` column.
std::int64_t chunk_checksum(std::int64_t series, std::int64_t hour, std::int64_t count,
                            std::string_view points);
// `hours`: the clock hours a sketch row spans (schema 4), from `hour` on.
std::int64_t sketch_checksum(std::int64_t series, std::int64_t hour, std::int64_t count,
                             std::string_view cpu, std::string_view memory, std::int64_t hours = 1);
// One hour_sketches row with its checksum, through a statement prepared from
// kInsertHourSketchSql.
inline constexpr const char* kInsertHourSketchSql =
    "INSERT OR REPLACE INTO hour_sketches(series, hour, count, cpu, memory, crc, hours) "
    "VALUES(?, ?, ?, ?, ?, ?, ?)";
Result<void> insert_hour_sketch(sql::Statement& insert, std::int64_t series, std::int64_t hour,
                                std::int64_t count, const std::string& cpu,
                                const std::string& memory, std::int64_t hours = 1);
// An error naming the row when `row`'s column `column` holds a checksum other than
// `computed`; rows without one (NULL) pass.
Result<void> verify_checksum(const sql::Database& db, const char* what, std::int64_t series,
                             std::int64_t hour, const sql::Statement& row, int column,
                             std::int64_t computed);

// Floor division: the hour a time falls in, also for times before 1970.
inline std::int64_t hour_of(std::int64_t time_ns) {
  return time_ns / kNanosPerHour - (time_ns % kNanosPerHour < 0 ? 1 : 0);
}

}  // namespace podfit::store

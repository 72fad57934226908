// store info --check: SQLite's own structural check, then every row podfit can verify.
#include "podfit/core/quantile_sketch.hpp"
#include "podfit/core/time.hpp"
#include "podfit/store/store.hpp"
#include "store/chunk.hpp"
#include "store/impl.hpp"

namespace podfit::store {

namespace {

constexpr std::size_t kProblemsListed = 20;

void add_problem(StoreCheck& check, std::string text) {
  if (check.problems.size() < kProblemsListed) check.problems.push_back(std::move(text));
  ++check.problem_count;
}

std::string row_name(const char* what, std::int64_t series, std::int64_t hour) {
  return std::string(what) + " of series " + std::to_string(series) + ", hour " +
         std::to_string(hour) + " (" + format_rfc3339(hour * kNanosPerHour) + ")";
}

Result<void> check_chunks(const sql::Database& db, StoreCheck& check) {
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT series, hour, count, points, crc FROM chunks"));
  std::vector<SamplePoint> points;
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    ++check.chunks;
    std::int64_t series = rows.integer(0), hour = rows.integer(1), count = rows.integer(2);
    if (rows.is_null(4)) {
      ++check.without_checksum;
    } else if (rows.integer(4) != chunk_checksum(series, hour, count, rows.blob(3))) {
      add_problem(check, row_name("chunk", series, hour) + ": checksum mismatch");
      continue;
    }
    points.clear();
    if (auto decoded = decode_chunk(hour, rows.blob(3), points); !decoded) {
      add_problem(check, row_name("chunk", series, hour) + ": " + decoded.error().message);
    } else if (points.size() != static_cast<std::size_t>(count)) {
      add_problem(check, row_name("chunk", series, hour) + ": holds " +
                             std::to_string(points.size()) + " points, its count says " +
                             std::to_string(count));
    }
  }
  return {};
}

Result<void> check_sketches(const sql::Database& db, StoreCheck& check) {
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT series, hour, count, cpu, memory, crc, hours FROM "
                                     "hour_sketches"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    ++check.sketches;
    std::int64_t series = rows.integer(0), hour = rows.integer(1), count = rows.integer(2);
    if (rows.is_null(5)) {
      ++check.without_checksum;
    } else if (rows.integer(5) !=
               sketch_checksum(series, hour, count, rows.blob(3), rows.blob(4), rows.integer(6))) {
      add_problem(check, row_name("hour sketch", series, hour) + ": checksum mismatch");
      continue;
    }
    auto cpu = QuantileSketch::decode(rows.blob(3));
    auto memory = QuantileSketch::decode(rows.blob(4));
    if (!cpu || !memory) {
      add_problem(check, row_name("hour sketch", series, hour) + ": " +
                             (!cpu ? cpu.error().message : memory.error().message));
    }
  }
  return {};
}

Result<void> check_raw_times(const sql::Database& db, StoreCheck& check) {
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT count(*) FROM samples WHERE time_ns < ? OR "
                                     "time_ns >= ?"));
  rows.bind(1, kEarliestTimeNs).bind(2, kLatestTimeNs);
  PODFIT_TRY(rows.step());
  if (std::int64_t outside = rows.integer(0); outside > 0) {
    add_problem(check,
                std::to_string(outside) + " raw samples are dated before 1970 or after 2199");
  }
  return {};
}

}  // namespace

Result<StoreCheck> Store::check() const {
  StoreCheck check;
  PODFIT_TRY_ASSIGN(integrity, integrity_check());
  check.integrity = integrity;
  PODFIT_TRY(check_chunks(impl_->db, check));
  PODFIT_TRY(check_sketches(impl_->db, check));
  PODFIT_TRY(check_raw_times(impl_->db, check));
  return check;
}

}  // namespace podfit::store

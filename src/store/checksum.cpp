// Row checksums: SQLite keeps none of its own, so a flipped byte in a chunk or sketch
// (or in the hour, series or count beside it) would otherwise read as valid data.
#include "podfit/net/gzip.hpp"
#include "store/impl.hpp"

namespace podfit::store {

namespace {

std::uint32_t add_integer(std::uint32_t crc, std::int64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xff);
  return net::crc32(std::string_view(bytes, 8), crc);
}

}  // namespace

std::int64_t chunk_checksum(std::int64_t series, std::int64_t hour, std::int64_t count,
                            std::string_view points) {
  std::uint32_t crc = add_integer(add_integer(add_integer(0, series), hour), count);
  return net::crc32(points, crc);
}

std::int64_t sketch_checksum(std::int64_t series, std::int64_t hour, std::int64_t count,
                             std::string_view cpu, std::string_view memory, std::int64_t hours) {
  std::uint32_t crc = add_integer(add_integer(add_integer(0, series), hour), count);
  crc = add_integer(crc, static_cast<std::int64_t>(cpu.size()));
  // A one-hour row sums what it did before schema 4 had `hours`.
  if (hours != 1) crc = add_integer(crc, hours);
  return net::crc32(memory, net::crc32(cpu, crc));
}

Result<void> insert_hour_sketch(sql::Statement& insert, std::int64_t series, std::int64_t hour,
                                std::int64_t count, const std::string& cpu,
                                const std::string& memory, std::int64_t hours) {
  insert.bind(1, series).bind(2, hour).bind(3, count);
  insert.bind_blob(4, cpu).bind_blob(5, memory);
  insert.bind(6, sketch_checksum(series, hour, count, cpu, memory, hours));
  insert.bind(7, hours);
  return insert.run();
}

Result<void> verify_checksum(const sql::Database& db, const char* what, std::int64_t series,
                             std::int64_t hour, const sql::Statement& row, int column,
                             std::int64_t computed) {
  if (row.is_null(column)) return {};  // written before schema version 3 and not since
  if (row.integer(column) == computed) return {};
  return fail(db.path() + ": the " + std::string(what) + " of series " + std::to_string(series) +
              ", hour " + std::to_string(hour) +
              " fails its checksum: the store is damaged (podfit store info --check lists all "
              "damage; restore it from a backup, or delete the damaged rows)");
}

}  // namespace podfit::store

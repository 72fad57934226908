// The store schema, its migrations, and the checks made before a store is touched.
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "store/impl.hpp"

namespace podfit::store {

namespace {

Result<void> convert_to_version2(sql::Database& db);
Result<void> add_checksums(sql::Database& db);
Result<void> add_crc_column(sql::Database& db, const char* table);

// Migration i takes a store from schema version i to i + 1: its SQL, then its
// conversion of the data, if any. Append, never edit.
struct Migration {
  const char* sql;
  Result<void> (*convert)(sql::Database&);
};

const std::vector<Migration> kMigrations = {
    {
        R"sql(
CREATE TABLE pods(
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  UNIQUE(namespace, name));
CREATE TABLE pod_labels(
  pod INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(pod, key)) WITHOUT ROWID;
CREATE TABLE series(
  id INTEGER PRIMARY KEY,
  pod INTEGER NOT NULL,
  container TEXT NOT NULL,
  window_seconds REAL NOT NULL,
  UNIQUE(pod, container));
CREATE TABLE samples(
  series INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  cpu NOT NULL,
  memory NOT NULL,
  PRIMARY KEY(series, time_ns)) WITHOUT ROWID;
CREATE TABLE hour_sketches(
  series INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  count INTEGER NOT NULL,
  cpu BLOB NOT NULL,
  memory BLOB NOT NULL,
  PRIMARY KEY(series, hour)) WITHOUT ROWID;
CREATE TABLE events(
  namespace TEXT NOT NULL,
  pod TEXT NOT NULL,
  container TEXT NOT NULL,
  restart_count INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  reason TEXT NOT NULL,
  memory_limit_bytes REAL,
  PRIMARY KEY(namespace, pod, container, restart_count)) WITHOUT ROWID;
CREATE TABLE current_resources(
  namespace TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  container TEXT NOT NULL,
  cpu_request TEXT,
  cpu_limit TEXT,
  memory_request TEXT,
  memory_limit TEXT,
  PRIMARY KEY(namespace, kind, name, container)) WITHOUT ROWID;
)sql",
        nullptr},
    // Version 2: raw points of closed hours packed into chunks; sketch format 2.
    // A chunk (about 1 KB) is a rowid table's row: in a WITHOUT ROWID table a row
    // over ~1,000 bytes spills into an overflow page of its own.
    {R"sql(
CREATE TABLE chunks(
  id INTEGER PRIMARY KEY,
  hour INTEGER NOT NULL,
  series INTEGER NOT NULL,
  count INTEGER NOT NULL,
  points BLOB NOT NULL,
  UNIQUE(hour, series));
CREATE TABLE hour_sketches_v2(
  hour INTEGER NOT NULL,
  series INTEGER NOT NULL,
  count INTEGER NOT NULL,
  cpu BLOB NOT NULL,
  memory BLOB NOT NULL,
  PRIMARY KEY(hour, series)) WITHOUT ROWID;
)sql",
     convert_to_version2},
    // Version 3: a CRC-32 per chunk and per hour sketch (SQLite keeps no checksums);
    // the columns are added by add_checksums (convert_to_version2 adds chunks.crc).
    {"", add_checksums},
    // Version 4: a sketch may span several hours (`hours`): compact() merges the hours
    // of days older than a week into six-hour sketches (docs/store.md).
    {"ALTER TABLE hour_sketches ADD COLUMN hours INTEGER NOT NULL DEFAULT 1", nullptr},
};

// Every raw point of a closed hour goes into a chunk (the hour of the newest
// point stays as rows); every sketch is rewritten in format 2, into a table
// keyed (hour, series) like `chunks`: hours are written in time order, so new
// rows go at the end of the b-tree and its pages stay full.
Result<void> convert_to_version2(sql::Database& db) {
  // The chunk writer below is today's, which fills version 3's checksum column.
  PODFIT_TRY(add_crc_column(db, "chunks"));
  PODFIT_TRY_ASSIGN(newest, db.prepare("SELECT max(time_ns) FROM samples"));
  if (auto row = newest.step(); !row) return tl::unexpected(row.error());
  if (!newest.is_null(0)) {
    std::int64_t hour = hour_of(newest.integer(0));
    newest.reset();
    if (auto closed = close_hours(db, hour); !closed) return closed;
  }
  newest.reset();  // DROP TABLE below fails while any statement is open
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT series, hour, cpu, memory, count FROM hour_sketches"));
  struct Rewritten {
    std::int64_t series, hour, count;
    std::string cpu, memory;
  };
  std::vector<Rewritten> rewritten;
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    auto cpu = QuantileSketch::decode(rows.blob(2));
    auto memory = QuantileSketch::decode(rows.blob(3));
    if (!cpu || !memory) return fail(db.path() + ": bad hour sketch (corrupt store)");
    rewritten.push_back(
        {rows.integer(0), rows.integer(1), rows.integer(4), cpu->encode(), memory->encode()});
  }
  rows.reset();
  PODFIT_TRY_ASSIGN(
      insert,
      db.prepare(
          "INSERT INTO hour_sketches_v2(hour, series, count, cpu, memory) VALUES(?, ?, ?, ?, ?)"));
  for (const Rewritten& sketch : rewritten) {
    insert.bind(1, sketch.hour).bind(2, sketch.series).bind(3, sketch.count);
    insert.bind_blob(4, sketch.cpu).bind_blob(5, sketch.memory);
    if (auto done = insert.run(); !done) return done;
  }
  insert.reset();
  return db.exec("DROP TABLE hour_sketches; ALTER TABLE hour_sketches_v2 RENAME TO hour_sketches");
}

// Checksums for the rows written before version 3 (a damaged row among them now is
// taken as it is: nothing can tell).
Result<bool> has_column(sql::Database& db, const char* table, const char* column) {
  PODFIT_TRY_ASSIGN(columns, db.prepare(std::string("SELECT count(*) FROM pragma_table_info('") +
                                        table + "') WHERE name = '" + column + "'"));
  PODFIT_TRY(columns.step());
  return columns.integer(0) > 0;
}

Result<void> add_crc_column(sql::Database& db, const char* table) {
  PODFIT_TRY_ASSIGN(present, has_column(db, table, "crc"));
  if (present) return {};
  return db.exec(std::string("ALTER TABLE ") + table + " ADD COLUMN crc INTEGER");
}

Result<void> add_checksums(sql::Database& db) {
  PODFIT_TRY(add_crc_column(db, "chunks"));
  PODFIT_TRY(add_crc_column(db, "hour_sketches"));
  struct Row {
    std::int64_t key, series, hour, crc;
  };
  std::vector<Row> chunks;
  PODFIT_TRY_ASSIGN(chunk_rows, db.prepare("SELECT id, series, hour, count, points FROM chunks"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, chunk_rows.step());
    if (!row) break;
    std::int64_t series = chunk_rows.integer(1), hour = chunk_rows.integer(2);
    chunks.push_back({chunk_rows.integer(0), series, hour,
                      chunk_checksum(series, hour, chunk_rows.integer(3), chunk_rows.blob(4))});
  }
  chunk_rows.reset();
  PODFIT_TRY_ASSIGN(set_chunk, db.prepare("UPDATE chunks SET crc = ? WHERE id = ?"));
  for (const Row& row : chunks) PODFIT_TRY(set_chunk.bind(1, row.crc).bind(2, row.key).run());
  set_chunk.reset();
  std::vector<Row> sketches;
  PODFIT_TRY_ASSIGN(sketch_rows,
                    db.prepare("SELECT series, hour, count, cpu, memory FROM hour_sketches"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, sketch_rows.step());
    if (!row) break;
    std::int64_t series = sketch_rows.integer(0), hour = sketch_rows.integer(1);
    sketches.push_back({0, series, hour,
                        sketch_checksum(series, hour, sketch_rows.integer(2), sketch_rows.blob(3),
                                        sketch_rows.blob(4))});
  }
  sketch_rows.reset();
  PODFIT_TRY_ASSIGN(set_sketch,
                    db.prepare("UPDATE hour_sketches SET crc = ? WHERE series = ? AND hour = ?"));
  for (const Row& row : sketches)
    PODFIT_TRY(set_sketch.bind(1, row.crc).bind(2, row.series).bind(3, row.hour).run());
  set_sketch.reset();
  return {};
}

constexpr char kSqliteMagic[] = "SQLite format 3";  // followed by a NUL: 16 bytes

// A non-empty file that does not start with SQLite's header is refused before
// SQLite sees it, so nothing can be written to it.
Result<void> check_header(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0 || status.st_size == 0) return {};
  std::ifstream file(path, std::ios::binary);
  char header[16] = {};
  file.read(header, sizeof header);
  if (file.gcount() < 16 || std::memcmp(header, kSqliteMagic, sizeof kSqliteMagic) != 0) {
    return fail(path + ": not a podfit store (not an SQLite database file)");
  }
  return {};
}

Result<int> schema_version(sql::Database& db) {
  PODFIT_TRY_ASSIGN(tables, db.prepare("SELECT count(*), sum(name = 'meta') FROM sqlite_master"));
  auto row = tables.step();
  if (!row) {
    return fail(db.path() + ": the store is corrupt or not a database (" + row.error().message +
                ")");
  }
  if (tables.integer(0) == 0) return 0;  // a new, empty database
  if (tables.integer(1) == 0) {
    return fail(db.path() + ": an SQLite database, but not a podfit store (no meta table)");
  }
  PODFIT_TRY_ASSIGN(version, db.prepare("SELECT value FROM meta WHERE key = 'schema_version'"));
  auto found = version.step();
  if (!found) return fail(db.path() + ": the store is corrupt: " + found.error().message);
  if (!*found) return fail(db.path() + ": not a podfit store (no schema_version in meta)");
  std::string text = version.text(0);
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return fail(db.path() + ": bad schema_version '" + text + "' in meta");
  }
}

Result<void> migrate(sql::Database& db, int from_version) {
  PODFIT_TRY_ASSIGN(transaction, sql::Transaction::begin(db));
  if (from_version == 0) {
    auto created = db.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    if (!created) return created;
  }
  for (int version = from_version; version < kSchemaVersion; ++version) {
    const Migration& migration = kMigrations[static_cast<std::size_t>(version)];
    if (auto done = db.exec(migration.sql); !done) return done;
    if (migration.convert != nullptr) {
      if (auto done = migration.convert(db); !done) return done;
    }
  }
  PODFIT_TRY_ASSIGN(
      set, db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)"));
  if (auto done = set.bind(1, std::to_string(kSchemaVersion)).run(); !done) return done;
  return transaction.commit();
}

}  // namespace

Result<void> check_and_migrate(sql::Database& db, bool writable) {
  if (auto header = check_header(db.path()); !header) return header;
  auto version = schema_version(db);
  if (!version) return tl::unexpected(version.error());
  if (*version > kSchemaVersion) {
    return fail(db.path() + ": written by a newer podfit (store schema version " +
                std::to_string(*version) + ", this podfit knows up to " +
                std::to_string(kSchemaVersion) + "); the store was left untouched");
  }
  if (!writable) {
    if (*version < kSchemaVersion) {
      return fail(db.path() + ": an older store schema (version " + std::to_string(*version) +
                  "); open it for writing once (podfit store info) to migrate it");
    }
    return {};
  }
  // 16 KiB pages for a new store: a page holds ~15 raw chunks (about 1 KB each)
  // instead of 3 in 4 KiB, so much less of each page is left over.
  if (*version == 0) {
    if (auto paged = db.exec("PRAGMA page_size = 16384"); !paged) return paged;
  }
  // WAL: readers never block the collector. NORMAL syncs at checkpoints, not at each
  // commit: a killed process loses no committed tick; a power cut may lose the last
  // few, never the file (docs/store.md).
  // The WAL is checkpointed every 256 pages (4 MiB) rather than SQLite's 1,000 (16 MiB
  // at this page size) and cut back to 4 MiB after each checkpoint, so that it does
  // not stay at its largest size for as long as the collector runs.
  if (auto wal = db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                         "PRAGMA wal_autocheckpoint = 256; PRAGMA journal_size_limit = 4194304");
      !wal) {
    return wal;
  }
  if (*version < kSchemaVersion) return migrate(db, *version);
  return {};
}

}  // namespace podfit::store

// Schema v1, its migrations, and the checks made before a store is touched.
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "store/impl.hpp"

namespace podfit::store {

namespace {

// Migration i takes a store from schema version i to i + 1. Append, never edit.
const std::vector<const char*> kMigrations = {
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
};

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
  auto tables = db.prepare("SELECT count(*), sum(name = 'meta') FROM sqlite_master");
  if (!tables) return tl::unexpected(tables.error());
  auto row = tables->step();
  if (!row) {
    return fail(db.path() + ": the store is corrupt or not a database (" + row.error().message +
                ")");
  }
  if (tables->integer(0) == 0) return 0;  // a new, empty database
  if (tables->integer(1) == 0) {
    return fail(db.path() + ": an SQLite database, but not a podfit store (no meta table)");
  }
  auto version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version) return tl::unexpected(version.error());
  auto found = version->step();
  if (!found) return fail(db.path() + ": the store is corrupt: " + found.error().message);
  if (!*found) return fail(db.path() + ": not a podfit store (no schema_version in meta)");
  std::string text = version->text(0);
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return fail(db.path() + ": bad schema_version '" + text + "' in meta");
  }
}

Result<void> migrate(sql::Database& db, int from_version) {
  auto transaction = sql::Transaction::begin(db);
  if (!transaction) return tl::unexpected(transaction.error());
  if (from_version == 0) {
    auto created = db.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    if (!created) return created;
  }
  for (int version = from_version; version < kSchemaVersion; ++version) {
    if (auto done = db.exec(kMigrations[static_cast<std::size_t>(version)]); !done) return done;
  }
  auto set = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)");
  if (!set) return tl::unexpected(set.error());
  if (auto done = set->bind(1, std::to_string(kSchemaVersion)).run(); !done) return done;
  return transaction->commit();
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
  // WAL: readers never block the collector. NORMAL syncs at checkpoints, not at each
  // commit: a killed process loses no committed tick; a power cut may lose the last
  // few, never the file (docs/store.md).
  if (auto wal = db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"); !wal) {
    return wal;
  }
  if (*version < kSchemaVersion) return migrate(db, *version);
  return {};
}

}  // namespace podfit::store

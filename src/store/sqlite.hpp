// A thin RAII layer over the SQLite C API, private to the store module.
// Every error message names the database path and says what SQLite reported.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "podfit/core/error.hpp"

namespace podfit::store::sql {

class Statement;

class Database {
 public:
  Database() = default;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  ~Database();

  static Result<Database> open(const std::string& path, int flags);

  // Runs one or more statements that return no rows.
  Result<void> exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  // "path: what failed: SQLite's message"
  tl::unexpected<Error> error(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement; bind indexes start at 1, column indexes at 0.
class Statement {
 public:
  Statement(const Database& db, sqlite3_stmt* statement) : db_(&db), statement_(statement) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // true: a row is ready; false: done. Errors name the database.
  Result<bool> step();
  // Steps to completion (for statements that return no rows) and resets.
  Result<void> run();
  void reset();

  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  // The bytes stay valid until the next step() or reset(): copy what must outlive the row.
  std::string_view blob(int column) const;
  bool is_null(int column) const;
  bool is_integer(int column) const;

 private:
  const Database* db_;
  sqlite3_stmt* statement_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

}  // namespace podfit::store::sql

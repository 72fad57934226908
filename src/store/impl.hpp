// The Store's private state, shared by the store's .cpp files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

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

// Floor division: the hour a time falls in, also for times before 1970.
inline std::int64_t hour_of(std::int64_t time_ns) {
  return time_ns / kNanosPerHour - (time_ns % kNanosPerHour < 0 ? 1 : 0);
}

}  // namespace podfit::store

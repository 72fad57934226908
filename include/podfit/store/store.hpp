// The embedded history store: one SQLite file (WAL mode, versioned schema).
//
// Raw samples are kept for a window (default 48 h); compact() turns older hours
// into per-container, per-hour quantile sketches (QuantileSketch) kept
// for a retention period (default 28 days), then drops them. The schema, the
// sketch format and the error bound are documented in docs/store.md.
//
// Safety: each append() is one transaction, so a crash keeps every completed
// one; a store written by a newer podfit is refused without being modified;
// writers take a lock file (CollectorLock) so two of them cannot share a store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "podfit/core/container_event.hpp"
#include "podfit/core/error.hpp"
#include "podfit/core/hour_sketch.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/time_parts.hpp"
#include "podfit/core/workload.hpp"

namespace podfit::store {

inline constexpr int kSchemaVersion = 4;
inline constexpr double kDefaultRawWindowSeconds = 48 * 3600.0;
inline constexpr double kDefaultRetentionSeconds = 28 * 86400.0;
// Hour sketches older than this are merged six hours to a row (compact()).
inline constexpr double kHourlySketchSeconds = 7 * 86400.0;
inline constexpr std::int64_t kCoarseSketchHours = 6;

struct ReadOptions {
  // One HourSketch per container instead of one per hour: its hours in the range
  // merged. For readers that do not weigh hours by their age; a month of history is
  // then read without holding a million small sketches.
  bool merge_hours = false;
  // With merge_hours: the merged sketch also keeps each hour's buckets weighed by its
  // age with this half-life (HourSketch::decay), for time decay.
  double half_life_seconds = 0;
  // A backtest's parts: the hours whose midpoint is in one part merged into one sketch
  // per series and part, each hour's maxima kept in HourSketch::peaks (with
  // half_life_seconds, its weights too). Overrides merge_hours.
  TimeParts parts;
  // Called with the raw points read so far every 65,536 or so points, on the thread that
  // decodes them (a reader folds long series into sketches as they come: history). The
  // open hour's rows come after the last call, so that points come in time order.
  std::function<void(SampleSet&)> every_points;
  // Called before any raw point is read, with each series (pod index, container) that
  // has a compacted hour among the store's newest two: its container is sketched
  // anyway, so a reader may fold its raw points as soon as they come.
  std::function<void(std::uint32_t pod, const std::string& container)> sketched_series;
};

// What read() returns: raw points, plus sketches of compacted hours.
struct StoredHistory {
  SampleSet samples;  // finalized; also holds the pods that only have sketches
  std::vector<HourSketch> sketches;
  std::vector<ContainerEvent> events;
  std::vector<WorkloadResources> resources;
};

struct AppendSummary {
  std::size_t points = 0;  // points offered
  std::size_t added = 0;   // new points (repeated polls are not added twice)
};

struct CompactSummary {
  // The line `store compact` and `collect --store` print: "compacted N points into H
  // container-hours; dropped D container-hours (R of them raw, P points never sketched)
  // and E events past the retention". N includes the P points of raw hours dropped.
  std::string text() const;

  std::size_t hours_compacted = 0;  // (container, hour) sketches written or updated
  std::size_t points_compacted = 0;
  std::size_t sketches_dropped = 0;  // older than the retention
  // Raw container-hours already past the retention when compacted: dropped unsketched.
  std::size_t raw_hours_dropped = 0;
  std::size_t raw_points_dropped = 0;
  std::size_t events_dropped = 0;
  // Hour sketches older than kHourlySketchSeconds merged into six-hour rows.
  std::size_t hours_coarsened = 0;
  double free_share_before_vacuum = 0;  // free pages / all pages after the deletes
  bool vacuumed = false;
};

// Whether compact() runs VACUUM (rewrites the file without its free pages; needs as
// much free disk again while it runs).
enum class Vacuum { always, when_a_quarter_free };

struct StoreInfo {
  std::string path;
  int schema_version = 0;
  std::size_t pods = 0, series = 0, raw_points = 0, sketches = 0, events = 0, resources = 0;
  std::optional<std::int64_t> first_raw_ns, last_raw_ns, first_sketch_hour_ns, last_sketch_hour_ns;
  std::uint64_t sketched_points = 0;  // samples summarized by the sketches
  std::uint64_t file_bytes = 0;       // database plus WAL
};

struct StoreCheck {
  std::string integrity;              // PRAGMA integrity_check's answer ("ok")
  std::vector<std::string> problems;  // each damaged row, the first 20
  std::size_t problem_count = 0;
  std::size_t chunks = 0, sketches = 0;  // rows read and verified
  std::size_t without_checksum = 0;      // rows written before schema 3 (not verifiable)
  bool ok() const { return integrity == "ok" && problem_count == 0; }
};

enum class OpenMode { read_only, read_write };

class Store {
 public:
  // Opens (creating and initializing when missing, in read_write mode) and checks
  // the schema. Errors name the path: not a database, corrupt, a newer schema
  // (the file is left as it was), not a podfit store.
  static Result<Store> open(const std::string& path, OpenMode mode = OpenMode::read_write);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::string& path() const { return path_; }

  // Everything of one tick in ONE transaction: the points of `samples` (pods and
  // their labels too), the events (each (pod, container, restart count) once)
  // and the workloads' current resources.
  Result<AppendSummary> append(const SampleSet& samples,
                               const std::vector<ContainerEvent>& events = {},
                               const std::vector<WorkloadResources>& resources = {});

  // Raw points with from_ns <= time < to_ns, and the sketches of hours that
  // overlap [from_ns, to_ns).
  Result<StoredHistory> read(std::int64_t from_ns, std::int64_t to_ns,
                             ReadOptions options = {}) const;
  Result<StoredHistory> read_all(ReadOptions options = {}) const;

  // Hours that ended before now - raw_window become sketches (merged into any
  // sketch already there for that hour), sketches of hours that ended before
  // now - retention are dropped, and so are events older than the retention.
  // A day of raw hours per transaction, so a store left long uncompacted is not
  // read into memory whole; each hour is raw or sketched, never both or neither.
  Result<CompactSummary> compact(std::int64_t now_ns, double raw_window_seconds,
                                 double retention_seconds, Vacuum vacuum = Vacuum::always);

  // Writes sketches directly (benchmarks and tests that build long histories).
  Result<void> put_sketches(const std::vector<HourSketch>& sketches, const SampleSet& pods_of);

  Result<StoreInfo> info() const;
  // PRAGMA integrity_check: "ok" or what SQLite found.
  Result<std::string> integrity_check() const;
  // integrity_check, then every chunk and hour sketch against its checksum and decoded,
  // and every raw time checked: what `store info --check` reports.
  Result<StoreCheck> check() const;

 private:
  struct Impl;
  Store(std::string path, std::unique_ptr<Impl> impl);
  Result<void> compact_hours(std::int64_t first_hour, std::int64_t end_hour,
                             std::int64_t oldest_hour, CompactSummary& summary);
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// The writer lock: flock(LOCK_EX | LOCK_NB) on "<store>.lock", which holds the
// owner's pid. Released on destruction (and by the kernel when the process dies).
class CollectorLock {
 public:
  static Result<CollectorLock> acquire(const std::string& store_path);
  CollectorLock(CollectorLock&&) noexcept;
  CollectorLock& operator=(CollectorLock&&) noexcept;
  ~CollectorLock();

 private:
  explicit CollectorLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Writes the raw points of `samples` as PodMetricsList JSON Lines (one line per
// timestamp) that source::read_recorded reads back to the same samples.
void write_jsonl(std::ostream& out, const SampleSet& samples);

}  // namespace podfit::store

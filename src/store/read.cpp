// Reading history back: raw points, hour sketches, events and current resources.
#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "podfit/core/parallel.hpp"
#include "podfit/quantity/quantity.hpp"
#include "store/impl.hpp"

namespace podfit::store {

namespace {

constexpr std::int64_t kEverNs = std::numeric_limits<std::int64_t>::min();  // read_all's start

struct SeriesRow {
  std::uint32_t pod = 0;  // index into the SampleSet
  std::string container;
  double window_seconds = 0;
};

// Every pod (with labels) goes into `samples`; returns store id -> SampleSet index.
Result<std::unordered_map<std::int64_t, std::uint32_t>> read_pods(const sql::Database& db,
                                                                  SampleSet& samples) {
  std::unordered_map<std::int64_t, Labels> labels;
  PODFIT_TRY_ASSIGN(label_rows, db.prepare("SELECT pod, key, value FROM pod_labels"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, label_rows.step());
    if (!row) break;
    labels[label_rows.integer(0)][label_rows.text(1)] = label_rows.text(2);
  }
  std::unordered_map<std::int64_t, std::uint32_t> index;
  PODFIT_TRY_ASSIGN(pods, db.prepare("SELECT id, namespace, name FROM pods ORDER BY id"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, pods.step());
    if (!row) break;
    std::int64_t id = pods.integer(0);
    auto found = labels.find(id);
    index[id] = samples.intern_pod(pods.text(1), pods.text(2),
                                   found == labels.end() ? nullptr : &found->second);
  }
  return index;
}

Result<std::unordered_map<std::int64_t, SeriesRow>> read_series(
    const sql::Database& db, const std::unordered_map<std::int64_t, std::uint32_t>& pods) {
  std::unordered_map<std::int64_t, SeriesRow> series;
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT id, pod, container, window_seconds FROM series"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    auto pod = pods.find(rows.integer(1));
    if (pod == pods.end()) return fail(db.path() + ": series of an unknown pod (corrupt store)");
    series[rows.integer(0)] = SeriesRow{pod->second, rows.text(2), rows.real(3)};
  }
  return series;
}

// ReadOptions::sketched_series: the series with a sketch in the newest two hours (a
// range of the (hour, series) key; every series would be a scan of all the sketches).
Result<void> name_sketched_series(const sql::Database& db,
                                  const std::unordered_map<std::int64_t, SeriesRow>& series,
                                  const ReadOptions& options) {
  if (!options.sketched_series) return {};
  PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT DISTINCT series FROM hour_sketches WHERE hour >= "
                                     "(SELECT max(hour) FROM hour_sketches) - 1"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    auto found = series.find(rows.integer(0));
    if (found == series.end()) return fail(db.path() + ": sketch of an unknown series (corrupt)");
    options.sketched_series(found->second.pod, found->second.container);
  }
  return {};
}

// Points of the open hour: rows of `samples`.
Result<void> read_open_rows(const sql::Database& db,
                            const std::unordered_map<std::int64_t, SeriesRow>& series,
                            std::int64_t from_ns, std::int64_t to_ns, SampleSet& samples) {
  PODFIT_TRY_ASSIGN(
      rows,
      db.prepare(
          "SELECT series, time_ns, cpu, memory FROM samples WHERE time_ns >= ? AND time_ns < ?"));
  rows.bind(1, from_ns).bind(2, to_ns);
  for (;;) {
    PODFIT_TRY_ASSIGN(row, rows.step());
    if (!row) break;
    auto found = series.find(rows.integer(0));
    if (found == series.end()) return fail(db.path() + ": sample of an unknown series (corrupt)");
    SamplePoint point{rows.integer(1), column_cpu(rows, 2), column_memory(rows, 3)};
    samples.add(found->second.pod, found->second.container, point, found->second.window_seconds);
  }
  return {};
}

// Chunks copied out of SQLite, a megabyte or so at a time, for decoding elsewhere.
struct ChunkBatch {
  struct Chunk {
    std::int64_t series_id, hour;
    const SeriesRow* series;
    std::size_t offset, size;  // in `bytes`
  };
  std::vector<Chunk> chunks;
  std::string bytes;
};

// Decodes batches into `samples`, keeping the points within [from_ns, to_ns).
class ChunkDecoder {
 public:
  ChunkDecoder(const sql::Database& db, std::int64_t from_ns, std::int64_t to_ns,
               SampleSet& samples, const std::function<void(SampleSet&)>& every_points)
      : db_(db), from_ns_(from_ns), to_ns_(to_ns), samples_(samples), every_points_(every_points) {}

  Result<void> operator()(const ChunkBatch& batch) {
    for (const ChunkBatch::Chunk& chunk : batch.chunks) {
      points_.clear();
      std::string_view bytes(batch.bytes.data() + chunk.offset, chunk.size);
      auto decoded = decode_chunk_of(db_, chunk.series_id, chunk.hour, bytes, points_);
      if (!decoded) return decoded;
      add(*chunk.series);
      since_hook_ += points_.size();
    }
    if (every_points_ && since_hook_ >= kHookPoints) {
      every_points_(samples_);
      since_hook_ = 0;
    }
    return {};
  }

 private:
  void add(const SeriesRow& row) {
    bool inside = !points_.empty() && points_.front().time_ns >= from_ns_ &&
                  points_.back().time_ns < to_ns_;  // a chunk is sorted
    if (inside) {
      samples_.add_points(row.pod, row.container, points_, row.window_seconds);
      return;
    }
    for (const SamplePoint& point : points_) {
      if (point.time_ns < from_ns_ || point.time_ns >= to_ns_) continue;
      samples_.add(row.pod, row.container, point, row.window_seconds);
    }
  }

  static constexpr std::size_t kHookPoints = 65536;
  const sql::Database& db_;
  std::int64_t from_ns_, to_ns_;
  SampleSet& samples_;
  const std::function<void(SampleSet&)>& every_points_;
  std::size_t since_hook_ = 0;
  std::vector<SamplePoint> points_;
};

// Adds one row's sketches to `sketches`: as a new HourSketch, or, when merging hours,
// into the one the series (or its part of ReadOptions::parts) already has.
class SketchCollector {
 public:
  SketchCollector(const sql::Database& db, const ReadOptions& options)
      : db_(db),
        merge_hours_(options.merge_hours),
        half_life_seconds_(options.half_life_seconds),
        parts_(options.parts) {}

  // `hours`: the clock hours the row spans (six for days older than a week).
  Result<void> add(const SeriesRow& series, std::int64_t series_id, std::int64_t hour,
                   std::int64_t hours, std::string_view cpu, std::string_view memory) {
    std::int64_t start_ns = hour * kNanosPerHour;
    std::int64_t span_ns = hours * kNanosPerHour;
    if (!parts_.empty()) {
      std::size_t part = parts_.part_of(start_ns + span_ns / 2);
      return add_decoded(series, {series_id, part}, start_ns, span_ns, cpu, memory, true);
    }
    if (merge_hours_ && half_life_seconds_ > 0)
      return add_decoded(series, {series_id, 0}, start_ns, span_ns, cpu, memory, false);
    if (merge_hours_) {
      auto known = slot_of_series_.find({series_id, 0});
      if (known != slot_of_series_.end()) {
        HourSketch& merged = sketches_[known->second];
        auto done = merged.cpu.merge_encoded(cpu).and_then(
            [&] { return merged.memory.merge_encoded(memory); });
        if (!done) return fail(db_.path() + ": bad hour sketch: " + done.error().message);
        merged.hour_start_ns = std::min(merged.hour_start_ns, start_ns);
        merged.end_ns = std::max(merged.end_ns, start_ns + span_ns);
        return {};
      }
      slot_of_series_.emplace(std::pair{series_id, std::size_t{0}}, sketches_.size());
    }
    auto cpu_sketch = QuantileSketch::decode(cpu);
    auto memory_sketch = QuantileSketch::decode(memory);
    if (!cpu_sketch || !memory_sketch) {
      return fail(db_.path() + ": bad hour sketch: " +
                  (cpu_sketch ? memory_sketch.error().message : cpu_sketch.error().message));
    }
    sketches_.push_back(HourSketch{series.pod, series.container, start_ns, start_ns + span_ns,
                                   std::move(*cpu_sketch), std::move(*memory_sketch)});
    return {};
  }
  // Decoded and merged into the sketch of `key` (series, part): with decay, its buckets
  // weighed into the sketch's weights; with `keep_peaks`, the hour's maxima kept.
  Result<void> add_decoded(const SeriesRow& series, std::pair<std::int64_t, std::size_t> key,
                           std::int64_t start_ns, std::int64_t span_ns, std::string_view cpu,
                           std::string_view memory, bool keep_peaks) {
    auto cpu_sketch = QuantileSketch::decode(cpu);
    auto memory_sketch = QuantileSketch::decode(memory);
    if (!cpu_sketch || !memory_sketch) {
      return fail(db_.path() + ": bad hour sketch: " +
                  (cpu_sketch ? memory_sketch.error().message : cpu_sketch.error().message));
    }
    auto [known, fresh] = slot_of_series_.try_emplace(key, sketches_.size());
    if (fresh) {
      sketches_.push_back(HourSketch{series.pod, series.container, start_ns, start_ns + span_ns,
                                     QuantileSketch(cpu_sketch->relative_accuracy()),
                                     QuantileSketch(memory_sketch->relative_accuracy())});
      if (half_life_seconds_ > 0)
        sketches_.back().decay = std::make_shared<DecayWeights>(half_life_seconds_);
    }
    HourSketch& merged = sketches_[known->second];
    auto done =
        merged.cpu.merge(*cpu_sketch).and_then([&] { return merged.memory.merge(*memory_sketch); });
    if (!done) return fail(db_.path() + ": bad hour sketch: " + done.error().message);
    merged.hour_start_ns = std::min(merged.hour_start_ns, start_ns);
    merged.end_ns = std::max(merged.end_ns, start_ns + span_ns);
    if (merged.decay) merged.decay->add(*cpu_sketch, *memory_sketch, start_ns + span_ns / 2);
    // At the hour's midpoint, which is in the part (its start may be before it).
    if (keep_peaks) {
      merged.peaks.push_back({start_ns + span_ns / 2, cpu_sketch->max(), memory_sketch->max()});
    }
    return {};
  }
  void reserve(std::size_t rows) {
    if (!merge_hours_ && parts_.empty()) sketches_.reserve(rows);
  }
  std::vector<HourSketch> take() {
    // Rows come by hour, so a part's peaks are in time order, unless a reader merged
    // hours of one part out of order: sort them to be sure.
    for (HourSketch& sketch : sketches_) {
      std::sort(sketch.peaks.begin(), sketch.peaks.end(),
                [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns < b.time_ns; });
    }
    return std::move(sketches_);
  }

 private:
  struct KeyHash {
    std::size_t operator()(const std::pair<std::int64_t, std::size_t>& key) const {
      return std::hash<std::int64_t>()(key.first) * 31 + key.second;
    }
  };
  const sql::Database& db_;
  bool merge_hours_;
  double half_life_seconds_;
  TimeParts parts_;
  std::vector<HourSketch> sketches_;
  std::unordered_map<std::pair<std::int64_t, std::size_t>, std::size_t, KeyHash> slot_of_series_;
};

// The hour sketches of [from_ns, to_ns), read a few rows at a time: the reading thread
// takes some whenever the chunk decoder has all it can hold (read_chunks).
class SketchReader {
 public:
  static Result<SketchReader> open(const sql::Database& db,
                                   const std::unordered_map<std::int64_t, SeriesRow>& series,
                                   std::int64_t from_ns, std::int64_t to_ns,
                                   const ReadOptions& options) {
    SketchCollector collector(db, options);
    // Sized up front: a long history holds hundreds of thousands of hours, and growing
    // by doubling would copy them and, for a moment, hold half as many again.
    // A row spans up to kCoarseSketchHours from its hour: those starting that much before
    // the range may overlap it (read_some skips those that do not).
    std::int64_t first_hour = hour_of(from_ns) - (from_ns == kEverNs ? 0 : kCoarseSketchHours - 1);
    PODFIT_TRY_ASSIGN(
        counted, db.prepare("SELECT count(*) FROM hour_sketches WHERE hour >= ? AND hour <= ?"));
    counted.bind(1, first_hour).bind(2, hour_of(to_ns - 1));
    if (auto row = counted.step(); row && *row) {
      collector.reserve(static_cast<std::size_t>(counted.integer(0)));
    }
    PODFIT_TRY_ASSIGN(rows, db.prepare("SELECT series, hour, cpu, memory, count, crc, hours FROM "
                                       "hour_sketches WHERE hour >= ? AND hour <= ?"));
    rows.bind(1, first_hour).bind(2, hour_of(to_ns - 1));
    return SketchReader(db, series, std::move(collector), std::move(rows), from_ns);
  }

  // Reads up to `limit` more rows; false once every row is read.
  Result<bool> read_some(std::size_t limit) {
    for (std::size_t n = 0; !done_ && n < limit; ++n) {
      PODFIT_TRY_ASSIGN(row, rows_.step());
      if (!row) {
        done_ = true;
        break;
      }
      std::int64_t id = rows_.integer(0), hour = rows_.integer(1), hours = rows_.integer(6);
      PODFIT_TRY(verify_checksum(
          db_, "hour sketch", id, hour, rows_, 5,
          sketch_checksum(id, hour, rows_.integer(4), rows_.blob(2), rows_.blob(3), hours)));
      if (from_ns_ != kEverNs && (hour + hours) * kNanosPerHour <= from_ns_) continue;
      auto found = series_.find(id);
      if (found == series_.end()) {
        return fail(db_.path() + ": sketch of an unknown series (corrupt)");
      }
      PODFIT_TRY(collector_.add(found->second, id, hour, hours, rows_.blob(2), rows_.blob(3)));
    }
    return !done_;
  }
  std::vector<HourSketch> take() { return collector_.take(); }

 private:
  SketchReader(const sql::Database& db, const std::unordered_map<std::int64_t, SeriesRow>& series,
               SketchCollector collector, sql::Statement rows, std::int64_t from_ns)
      : db_(db),
        series_(series),
        collector_(std::move(collector)),
        rows_(std::move(rows)),
        from_ns_(from_ns) {}

  const sql::Database& db_;
  const std::unordered_map<std::int64_t, SeriesRow>& series_;
  SketchCollector collector_;
  sql::Statement rows_;
  std::int64_t from_ns_;
  bool done_ = false;
};

// Copies the chunks of the range into batches for `decoder` (on its own thread: decoding
// costs more than reading). While the decoder holds all the batches it can, this thread
// reads hour sketches instead of waiting.
Result<void> read_chunks(const sql::Database& db,
                         const std::unordered_map<std::int64_t, SeriesRow>& series,
                         std::int64_t from_ns, std::int64_t to_ns,
                         BackgroundConsumer<ChunkBatch>& decoder, SketchReader& sketches) {
  constexpr std::size_t kBatchBytes = 1 << 20;
  ChunkBatch batch;
  bool more_sketches = true;
  auto copy = [&](std::int64_t id, std::int64_t hour, std::string_view bytes) -> Result<void> {
    auto found = series.find(id);
    if (found == series.end()) return fail(db.path() + ": chunk of an unknown series (corrupt)");
    batch.chunks.push_back({id, hour, &found->second, batch.bytes.size(), bytes.size()});
    batch.bytes.append(bytes);
    if (batch.bytes.size() < kBatchBytes) return {};
    while (more_sketches && decoder.full()) {
      PODFIT_TRY_ASSIGN(more, sketches.read_some(256));
      more_sketches = more;
    }
    decoder.push(std::exchange(batch, {}));
    return {};
  };
  auto done = for_each_chunk_blob(db, hour_of(from_ns), hour_of(to_ns - 1), copy);
  if (done && !batch.chunks.empty()) decoder.push(std::move(batch));
  return done;
}

std::optional<ResourceValue> resource_column(const sql::Statement& rows, int column) {
  if (rows.is_null(column)) return std::nullopt;
  std::string text = rows.text(column);
  auto parsed = quantity::parse(text);
  return ResourceValue{parsed ? parsed->value() : 0, text};
}

Result<void> read_events_and_resources(const sql::Database& db, StoredHistory& history) {
  PODFIT_TRY_ASSIGN(
      events,
      db.prepare(
          "SELECT namespace, pod, container, restart_count, time_ns, reason, memory_limit_bytes "
          "FROM events ORDER BY time_ns"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, events.step());
    if (!row) break;
    ContainerEvent event{events.text(0),    events.text(1), events.text(2),
                         events.integer(4), events.text(5), static_cast<int>(events.integer(3)),
                         std::nullopt};
    if (!events.is_null(6)) event.memory_limit_bytes = events.real(6);
    history.events.push_back(std::move(event));
  }
  PODFIT_TRY_ASSIGN(
      resources,
      db.prepare("SELECT namespace, kind, name, container, cpu_request, cpu_limit, memory_request, "
                 "memory_limit FROM current_resources"));
  for (;;) {
    PODFIT_TRY_ASSIGN(row, resources.step());
    if (!row) break;
    WorkloadResources entry;
    entry.workload = WorkloadRef{resources.text(0), resources.text(1), resources.text(2)};
    entry.container = resources.text(3);
    entry.current.cpu_request = resource_column(resources, 4);
    entry.current.cpu_limit = resource_column(resources, 5);
    entry.current.memory_request = resource_column(resources, 6);
    entry.current.memory_limit = resource_column(resources, 7);
    history.resources.push_back(std::move(entry));
  }
  return {};
}

}  // namespace

Result<StoredHistory> Store::read(std::int64_t from_ns, std::int64_t to_ns,
                                  ReadOptions options) const {
  // One read transaction: a collector committing meanwhile cannot tear the view.
  PODFIT_TRY_ASSIGN(begin, impl_->db.prepare("BEGIN"));
  if (auto done = begin.run(); !done) return tl::unexpected(done.error());
  struct End {
    const sql::Database& db;
    ~End() { sqlite3_exec(db.handle(), "COMMIT", nullptr, nullptr, nullptr); }
  } end{impl_->db};

  StoredHistory history;
  PODFIT_TRY_ASSIGN(pods, read_pods(impl_->db, history.samples));
  PODFIT_TRY_ASSIGN(series, read_series(impl_->db, pods));
  PODFIT_TRY(name_sketched_series(impl_->db, series, options));
  // Only this thread uses the connection; a second one decodes the chunks while this one
  // reads them, and reads sketches whenever the decoder holds 64 batches (~64 MB) not yet
  // decoded, then the sketches left: both threads stay busy.
  ChunkDecoder decode(impl_->db, from_ns, to_ns, history.samples, options.every_points);
  BackgroundConsumer<ChunkBatch> decoder([&](ChunkBatch& batch) { return decode(batch); }, 64);
  auto sketch_reader = SketchReader::open(impl_->db, series, from_ns, to_ns, options);
  auto chunks = sketch_reader.and_then([&](SketchReader& sketches) {
    return read_chunks(impl_->db, series, from_ns, to_ns, decoder, sketches);
  });
  Result<bool> sketched = chunks.and_then([&]() -> Result<bool> {
    for (;;) {  // the sketches not read while the decoder was busy
      PODFIT_TRY_ASSIGN(more, sketch_reader->read_some(4096));
      if (!more) return false;
    }
  });
  auto decoded = decoder.finish();
  if (!sketch_reader) return tl::unexpected(sketch_reader.error());
  if (!chunks) return tl::unexpected(chunks.error());
  if (!decoded) return tl::unexpected(decoded.error());
  if (!sketched) return tl::unexpected(sketched.error());
  // The open hour's rows last, so points come in time order (a reader that folds them
  // as they come counts a point inside the time it already folded as a repeat).
  PODFIT_TRY(read_open_rows(impl_->db, series, from_ns, to_ns, history.samples));
  history.samples.finalize();
  history.sketches = sketch_reader->take();
  if (auto read = read_events_and_resources(impl_->db, history); !read) {
    return tl::unexpected(read.error());
  }
  return history;
}

Result<StoredHistory> Store::read_all(ReadOptions options) const {
  return read(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
              options);
}

Result<void> Store::put_sketches(const std::vector<HourSketch>& sketches,
                                 const SampleSet& pods_of) {
  if (!impl_->writable) return fail(path_ + ": opened read-only");
  if (auto loaded = impl_->load_caches(); !loaded) return tl::unexpected(loaded.error());
  PODFIT_TRY_ASSIGN(transaction, sql::Transaction::begin(impl_->db));
  PODFIT_TRY_ASSIGN(insert, impl_->db.prepare(kInsertHourSketchSql));
  for (const HourSketch& sketch : sketches) {
    auto pod = impl_->pod_id(pods_of.pods().at(sketch.pod));
    auto series =
        pod.and_then([&](std::int64_t id) { return impl_->series_id(id, sketch.container, 0); });
    if (!series) {
      impl_->forget_caches();
      return tl::unexpected(series.error());
    }
    if (auto done = insert_hour_sketch(insert, *series, hour_of(sketch.hour_start_ns),
                                       static_cast<std::int64_t>(sketch.cpu.count()),
                                       sketch.cpu.encode(), sketch.memory.encode());
        !done) {
      impl_->forget_caches();
      return tl::unexpected(done.error());
    }
  }
  if (auto done = transaction.commit(); !done) {
    impl_->forget_caches();
    return tl::unexpected(done.error());
  }
  return {};
}

}  // namespace podfit::store

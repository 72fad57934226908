// Inside the history module: folds long series into sketches while they are read
// (load_recorded, load_store, load_prometheus), so memory grows with containers, not
// with samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "podfit/core/compacted_series.hpp"
#include "podfit/core/hour_sketch.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/history/history.hpp"

namespace podfit::history::detail {

// Whether the input can hold the same point twice.
enum class Repeats {
  // Recorded files and the store: overlapping recordings repeat points. A later point
  // inside the time already folded for its series is counted as a repeat and dropped.
  possible,
  // Prometheus: one point per container and step, the time chunks of a series disjoint
  // but in any order (several workers). Nothing is dropped; and as a series gets a whole
  // chunk (up to 11,000 points) at once, its buffer is freed after each fold rather than
  // kept for the next points.
  never,
};

class RecordedCompactor {
 public:
  RecordedCompactor(std::size_t exact_points, bool keep_hours_apart,
                    Repeats repeats = Repeats::possible)
      : exact_points_(exact_points),
        keep_hours_apart_(keep_hours_apart),
        repeats_possible_(repeats == Repeats::possible) {}

  // Folds every series of `samples` holding more than exact_points distinct points.
  void check(SampleSet& samples);
  // Folds what is left of every folded series and moves the sketches and the exact
  // parts into `history` (whose `samples` were read with check()).
  void finish(History& history);

  std::size_t repeats_dropped() const { return repeats_; }  // inside folded time

 private:
  struct Folded {
    CompactedSeries exact;
    // The time spans already folded, sorted and disjoint (inclusive): one while the
    // input is in time order.
    std::vector<std::pair<std::int64_t, std::int64_t>> covered;
    HourSketch merged;                         // without time decay
    std::map<std::int64_t, HourSketch> hours;  // with it, by hour start
  };

  void fold(SampleSet& samples, std::size_t series);
  // De-duplicates the series in place; whether it still holds more than exact_points.
  bool long_once_unique(SampleSet& samples, std::size_t series);

  std::size_t exact_points_;
  bool keep_hours_apart_;
  bool repeats_possible_;
  std::map<std::size_t, Folded> folded_;  // by series index: ordered, so results are stable
  std::vector<SamplePoint> scratch_;
  std::size_t repeats_ = 0;
};

}  // namespace podfit::history::detail

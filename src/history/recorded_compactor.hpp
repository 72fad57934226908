// Inside the history module: folds long series into sketches while they are read
// (load_recorded, load_store, load_prometheus), so memory grows with containers, not
// with samples.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "podfit/core/compacted_series.hpp"
#include "podfit/core/hour_sketch.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/time_parts.hpp"
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
  // `half_life_seconds` > 0: the folded sketch also weighs each clock hour of points by
  // its age (HourSketch::decay), for time decay.
  // `parts` (a backtest's): a folded series gets one sketch and one exact part per time
  // part instead of one in all, each sketch with its clock hours' peaks
  // (HourSketch::peaks) and its start and end at the part's first and last point.
  RecordedCompactor(std::size_t exact_points, double half_life_seconds,
                    Repeats repeats = Repeats::possible, TimeParts parts = {})
      : exact_points_(exact_points),
        half_life_seconds_(half_life_seconds),
        repeats_possible_(repeats == Repeats::possible),
        parts_(std::move(parts)) {}

  // Folds every series of `samples` holding more than exact_points distinct points, and
  // every series named to fold_at_once() that holds any.
  void check(SampleSet& samples);
  // The series of `pod` and `container` is sketched anyway (the store has compacted
  // hours of it): its points are folded at every check, however few, and its vector
  // freed, so memory does not hold exact_points of it in between.
  void fold_at_once(std::uint32_t pod, const std::string& container) {
    at_once_names_.emplace(pod, container);
  }
  // Folds what is left of every folded series and moves the sketches and the exact
  // parts into `history` (whose `samples` were read with check()).
  void finish(History& history);

  std::size_t repeats_dropped() const { return repeats_; }  // inside folded time

  static constexpr std::int64_t kNoPartStart = INT64_MIN;  // part 0: before every bound

 private:
  struct Folded {
    CompactedSeries exact;
    HourSketch merged;  // every folded point; with decay, its weights hour by hour
  };
  struct SeriesFold {
    // The time spans already folded, sorted and disjoint (inclusive): one while the
    // input is in time order.
    std::vector<std::pair<std::int64_t, std::int64_t>> covered;
    std::map<std::size_t, Folded> parts;  // by TimeParts::part_of; one (0) without parts
  };

  void fold(SampleSet& samples, std::size_t series);
  // Folds `points` (sorted, of the part starting at `part_start_ns`) into `folded`.
  void fold_part(Folded& folded, std::span<const SamplePoint> points, std::int64_t part_start_ns);
  std::int64_t part_start(std::size_t part) const;
  bool folds_at_once(const SampleSet& samples, std::size_t series);
  // De-duplicates the series in place; whether it still holds more than exact_points.
  bool long_once_unique(SampleSet& samples, std::size_t series);

  std::size_t exact_points_;
  double half_life_seconds_;
  bool repeats_possible_;
  TimeParts parts_;
  std::map<std::size_t, SeriesFold> folded_;  // by series index: ordered, so results are stable
  std::vector<SamplePoint> scratch_;
  std::set<std::pair<std::uint32_t, std::string>> at_once_names_;
  std::vector<char> at_once_;  // by series index, for those looked up so far
  std::size_t repeats_ = 0;
};

}  // namespace podfit::history::detail

// The samples every source produces and the statistics consume: per pod and
// container, a time series of (timestamp, CPU cores, memory bytes).
//
// Pods are interned once; each point costs 24 bytes. The same point polled
// twice (same pod, container and timestamp) counts once: finalize() sorts each
// series by time and drops the repeats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "podfit/core/workload.hpp"

namespace podfit {

struct SamplePoint {
  std::int64_t time_ns = 0;  // Unix time in nanoseconds (the metrics `timestamp`)
  double cpu_cores = 0;
  double memory_bytes = 0;
};

struct PodRecord {
  std::string namespace_name;
  std::string name;
  Labels labels;  // the latest labels seen for the pod
};

struct ContainerSeries {
  std::uint32_t pod = 0;  // index into SampleSet::pods()
  std::string container;
  double first_window_seconds = 0;  // `window` of the earliest point
  std::vector<SamplePoint> points;  // sorted by time and unique after finalize()
};

class SampleSet {
 public:
  // Returns the pod's index, adding it on first sight; labels are replaced when given.
  std::uint32_t intern_pod(std::string_view namespace_name, std::string_view name,
                           const Labels* labels = nullptr);
  void add(std::uint32_t pod, std::string_view container, const SamplePoint& point,
           double window_seconds);
  // add() for each of `points` (a store chunk, say), with one look-up of the series.
  void add_points(std::uint32_t pod, std::string_view container,
                  const std::vector<SamplePoint>& points, double window_seconds);
  // Moves every series of `other` into this set (pods re-interned).
  void merge(SampleSet&& other);
  // Sorts every series by time and drops repeated timestamps. Idempotent.
  void finalize();
  // Exchanges series()[series]'s points with `points`, for a reader that folds long
  // series into sketches as it reads (history::load_recorded); pods and series stay.
  // Points given in must keep add()'s order: the earliest first (or none).
  void swap_points(std::size_t series, std::vector<SamplePoint>& points) {
    series_[series].points.swap(points);
  }

  const std::vector<PodRecord>& pods() const { return pods_; }
  const std::vector<ContainerSeries>& series() const { return series_; }
  std::size_t point_count() const;
  std::size_t duplicates_dropped() const { return duplicates_dropped_; }

 private:
  ContainerSeries& series_of(std::uint32_t pod, std::string_view container, double window_seconds);

  std::vector<PodRecord> pods_;
  std::map<std::pair<std::string, std::string>, std::uint32_t, std::less<>> pod_index_;
  std::vector<ContainerSeries> series_;
  std::map<std::pair<std::uint32_t, std::string>, std::size_t, std::less<>> series_index_;
  std::size_t last_series_ = static_cast<std::size_t>(-1);  // the series add() touched last
  std::size_t duplicates_dropped_ = 0;
};

}  // namespace podfit

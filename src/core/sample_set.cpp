#include "podfit/core/sample_set.hpp"

#include <algorithm>

namespace podfit {

namespace {

// Look-up keys that view their strings, so the hot paths (one look-up per
// recorded point) allocate nothing: both maps use the transparent std::less<>.
struct PodKeyView {
  std::string_view namespace_name;
  std::string_view name;
};

struct SeriesKeyView {
  std::uint32_t pod;
  std::string_view container;
};

using PodKey = std::pair<std::string, std::string>;
using SeriesKey = std::pair<std::uint32_t, std::string>;

bool operator<(const PodKey& a, const PodKeyView& b) {
  int order = std::string_view(a.first).compare(b.namespace_name);
  return order < 0 || (order == 0 && std::string_view(a.second) < b.name);
}
bool operator<(const PodKeyView& a, const PodKey& b) {
  int order = a.namespace_name.compare(b.first);
  return order < 0 || (order == 0 && a.name < std::string_view(b.second));
}
bool operator<(const SeriesKey& a, const SeriesKeyView& b) {
  return a.first < b.pod || (a.first == b.pod && std::string_view(a.second) < b.container);
}
bool operator<(const SeriesKeyView& a, const SeriesKey& b) {
  return a.pod < b.first || (a.pod == b.first && a.container < std::string_view(b.second));
}

}  // namespace

std::uint32_t SampleSet::intern_pod(std::string_view namespace_name, std::string_view name,
                                    const Labels* labels) {
  auto found = pod_index_.find(PodKeyView{namespace_name, name});
  if (found != pod_index_.end()) {
    if (labels != nullptr) pods_[found->second].labels = *labels;
    return found->second;
  }
  auto index = static_cast<std::uint32_t>(pods_.size());
  pods_.push_back(
      PodRecord{std::string(namespace_name), std::string(name), labels ? *labels : Labels{}});
  pod_index_.emplace(PodKey(namespace_name, name), index);
  return index;
}

ContainerSeries& SampleSet::series_of(std::uint32_t pod, std::string_view container,
                                      double window_seconds) {
  // Sources add a series' points in runs (a store chunk, a Prometheus answer),
  // so the series of the previous call is checked before the map.
  if (last_series_ >= series_.size() || series_[last_series_].pod != pod ||
      series_[last_series_].container != container) {
    auto found = series_index_.find(SeriesKeyView{pod, container});
    if (found == series_index_.end()) {
      found = series_index_.emplace(SeriesKey(pod, container), series_.size()).first;
      series_.push_back(ContainerSeries{pod, std::string(container), window_seconds, {}});
    }
    last_series_ = found->second;
  }
  return series_[last_series_];
}

void SampleSet::add(std::uint32_t pod, std::string_view container, const SamplePoint& point,
                    double window_seconds) {
  ContainerSeries& series = series_of(pod, container, window_seconds);
  auto& points = series.points;
  // The earliest point is kept at the front, so a point at or after the last
  // one (the usual, in-order case) needs no look at the front, which is
  // rarely in cache. finalize() sorts the rest.
  if (points.empty()) {
    series.first_window_seconds = window_seconds;
    points.push_back(point);
  } else if (point.time_ns >= points.back().time_ns || point.time_ns >= points.front().time_ns) {
    points.push_back(point);
  } else {
    series.first_window_seconds = window_seconds;
    points.push_back(points.front());
    points.front() = point;
  }
}

void SampleSet::add_points(std::uint32_t pod, std::string_view container,
                           const std::vector<SamplePoint>& points, double window_seconds) {
  if (points.empty()) return;
  ContainerSeries& series = series_of(pod, container, window_seconds);
  bool in_order = std::is_sorted(
      points.begin(), points.end(),
      [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns < b.time_ns; });
  if (in_order && !series.points.empty() &&
      points.front().time_ns >= series.points.back().time_ns) {
    series.points.insert(series.points.end(), points.begin(), points.end());
    return;
  }
  for (const SamplePoint& point : points) add(pod, container, point, window_seconds);
}

void SampleSet::merge(SampleSet&& other) {
  for (ContainerSeries& series : other.series_) {
    const PodRecord& pod = other.pods_[series.pod];
    std::uint32_t index = intern_pod(pod.namespace_name, pod.name, &pod.labels);
    for (const SamplePoint& point : series.points) {
      add(index, series.container, point, series.first_window_seconds);
    }
  }
  duplicates_dropped_ += other.duplicates_dropped_;
  other = SampleSet{};
}

void SampleSet::finalize() {
  for (ContainerSeries& series : series_) {
    auto& points = series.points;
    auto out_of_order = std::adjacent_find(
        points.begin(), points.end(),
        [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns >= b.time_ns; });
    if (out_of_order == points.end()) continue;  // already sorted and unique
    std::stable_sort(points.begin(), points.end(), [](const SamplePoint& a, const SamplePoint& b) {
      return a.time_ns < b.time_ns;
    });
    auto last = std::unique(
        points.begin(), points.end(),
        [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns == b.time_ns; });
    duplicates_dropped_ += static_cast<std::size_t>(points.end() - last);
    points.erase(last, points.end());
  }
}

std::size_t SampleSet::point_count() const {
  std::size_t count = 0;
  for (const auto& series : series_) count += series.points.size();
  return count;
}

}  // namespace podfit

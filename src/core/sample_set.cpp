#include "podfit/core/sample_set.hpp"

#include <algorithm>

namespace podfit {

std::uint32_t SampleSet::intern_pod(std::string_view namespace_name, std::string_view name,
                                    const Labels* labels) {
  auto key = std::make_pair(std::string(namespace_name), std::string(name));
  auto found = pod_index_.find(key);
  if (found != pod_index_.end()) {
    if (labels != nullptr) pods_[found->second].labels = *labels;
    return found->second;
  }
  auto index = static_cast<std::uint32_t>(pods_.size());
  pods_.push_back(PodRecord{key.first, key.second, labels ? *labels : Labels{}});
  pod_index_.emplace(std::move(key), index);
  return index;
}

void SampleSet::add(std::uint32_t pod, std::string_view container, const SamplePoint& point,
                    double window_seconds) {
  auto key = std::make_pair(pod, std::string(container));
  auto found = series_index_.find(key);
  if (found == series_index_.end()) {
    found = series_index_.emplace(std::move(key), series_.size()).first;
    series_.push_back(ContainerSeries{pod, std::string(container), window_seconds, {}});
  }
  ContainerSeries& series = series_[found->second];
  if (series.points.empty() || point.time_ns < series.points.front().time_ns) {
    series.first_window_seconds = window_seconds;
  }
  series.points.push_back(point);
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
    std::stable_sort(points.begin(), points.end(),
                     [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns < b.time_ns; });
    auto last = std::unique(points.begin(), points.end(), [](const SamplePoint& a, const SamplePoint& b) {
      return a.time_ns == b.time_ns;
    });
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

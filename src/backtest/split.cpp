// Splitting a history in time: training part, test part, and slices of a SampleSet.
#include <algorithm>
#include <cmath>
#include <limits>

#include "podfit/backtest/backtest.hpp"

namespace podfit::backtest {

namespace {

struct TimeRange {
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  bool empty() const { return first > last; }
};

TimeRange range_of(const SampleSet& samples) {
  TimeRange range;
  for (const ContainerSeries& series : samples.series()) {
    for (const SamplePoint& point : series.points) {
      range.first = std::min(range.first, point.time_ns);
      range.last = std::max(range.last, point.time_ns);
    }
  }
  return range;
}

TimeRange range_of(const history::History& history) {
  TimeRange range = range_of(history.samples);
  for (const HourSketch& sketch : history.sketches) {
    range.first = std::min(range.first, sketch.hour_start_ns);
    range.last = std::max(range.last, sketch.end() - 1);
  }
  return range;
}

std::int64_t midpoint(const HourSketch& sketch) {
  return sketch.hour_start_ns + (sketch.end() - sketch.hour_start_ns) / 2;
}

Result<Split> fraction_of(TimeRange range, double fraction) {
  if (!(fraction > 0 && fraction < 1)) {
    return fail("--split must be a fraction between 0 and 1 (exclusive), e.g. 0.5");
  }
  if (range.empty() || range.first == range.last) {
    return fail("backtest needs samples at two or more points in time");
  }
  auto span = static_cast<double>(range.last - range.first);
  auto split = range.first + static_cast<std::int64_t>(std::llround(span * fraction));
  return Split{range.first, split, range.last};
}

Result<Split> durations_of(TimeRange range, double train_seconds, double test_seconds) {
  if (!(train_seconds > 0) || !(test_seconds > 0)) {
    return fail("--train and --test must both be positive durations");
  }
  if (range.empty()) return fail("backtest needs samples");
  auto test_ns = static_cast<std::int64_t>(test_seconds * 1e9);
  auto train_ns = static_cast<std::int64_t>(train_seconds * 1e9);
  std::int64_t split = range.last - test_ns;
  if (split <= range.first) {
    return fail("the samples cover less time than --test: nothing is left to train on");
  }
  return Split{std::max(range.first, split - train_ns), split, range.last};
}

}  // namespace

Result<Split> split_by_fraction(const history::TimeSpan& covered, double fraction) {
  return fraction_of(TimeRange{covered.first, covered.last}, fraction);
}

Result<Split> split_by_durations(const history::TimeSpan& covered, double train_seconds,
                                 double test_seconds) {
  return durations_of(TimeRange{covered.first, covered.last}, train_seconds, test_seconds);
}

Result<Split> split_by_fraction(const SampleSet& samples, double fraction) {
  return fraction_of(range_of(samples), fraction);
}

Result<Split> split_by_fraction(const history::History& history, double fraction) {
  return fraction_of(range_of(history), fraction);
}

Result<Split> split_by_durations(const SampleSet& samples, double train_seconds,
                                 double test_seconds) {
  return durations_of(range_of(samples), train_seconds, test_seconds);
}

Result<Split> split_by_durations(const history::History& history, double train_seconds,
                                 double test_seconds) {
  return durations_of(range_of(history), train_seconds, test_seconds);
}

SampleSet slice(const SampleSet& samples, std::int64_t from_ns, std::int64_t to_ns) {
  SampleSet part;
  for (const PodRecord& pod : samples.pods()) {
    part.intern_pod(pod.namespace_name, pod.name, &pod.labels);
  }
  for (const ContainerSeries& series : samples.series()) {
    for (const SamplePoint& point : series.points) {
      if (point.time_ns >= from_ns && point.time_ns < to_ns) {
        part.add(series.pod, series.container, point, series.first_window_seconds);
      }
    }
  }
  part.finalize();
  return part;
}

history::History slice(const history::History& history, std::int64_t from_ns, std::int64_t to_ns) {
  history::History part;
  part.samples = slice(history.samples, from_ns, to_ns);
  for (const HourSketch& sketch : history.sketches) {
    std::int64_t middle = midpoint(sketch);
    if (middle >= from_ns && middle < to_ns) part.sketches.push_back(sketch);
  }
  for (const CompactedSeries& series : history.compacted) {  // one part of a folded series
    std::int64_t middle = series.first_ns + (series.last_ns - series.first_ns) / 2;
    if (middle >= from_ns && middle < to_ns) part.compacted.push_back(series);
  }
  for (const ContainerEvent& event : history.events) {
    if (event.time_ns == 0 || (event.time_ns >= from_ns && event.time_ns < to_ns)) {
      part.events.push_back(event);
    }
  }
  part.live_resources = history.live_resources;
  part.cluster_resources = history.cluster_resources;
  part.owner_of_pod = history.owner_of_pod;
  part.prometheus_label_names = history.prometheus_label_names;
  part.workload_of_pod = history.workload_of_pod;
  part.manifest_resources = history.manifest_resources;
  return part;
}

}  // namespace podfit::backtest

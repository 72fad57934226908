// Folding long recorded series into sketches while they are read (docs/scale.md).
#include "recorded_compactor.hpp"

#include <algorithm>
#include <span>

#include "podfit/core/time.hpp"

namespace podfit::history::detail {

namespace {

std::int64_t hour_of(std::int64_t time_ns) {
  std::int64_t into = time_ns % kNanosPerHour;
  return time_ns - (into < 0 ? into + kNanosPerHour : into);
}

bool is_covered(const std::vector<std::pair<std::int64_t, std::int64_t>>& covered,
                std::int64_t time_ns) {
  auto after = std::upper_bound(covered.begin(), covered.end(), time_ns,
                                [](std::int64_t t, const auto& span) { return t < span.first; });
  return after != covered.begin() && time_ns <= std::prev(after)->second;
}

// Adds [first, last] to the sorted, disjoint spans, merging those it overlaps.
void cover(std::vector<std::pair<std::int64_t, std::int64_t>>& covered, std::int64_t first,
           std::int64_t last) {
  covered.emplace_back(first, last);
  std::sort(covered.begin(), covered.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> merged;
  for (const auto& span : covered) {
    if (!merged.empty() && span.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, span.second);
    } else {
      merged.push_back(span);
    }
  }
  covered = std::move(merged);
}

bool earlier(const SamplePoint& a, const SamplePoint& b) {
  return a.time_ns < b.time_ns;
}

// Sorts by time and drops repeated timestamps, as SampleSet::finalize does.
void sort_unique(std::vector<SamplePoint>& points) {
  constexpr auto by_time = earlier;
  if (!std::is_sorted(points.begin(), points.end(), by_time)) {
    std::stable_sort(points.begin(), points.end(), by_time);
  }
  points.erase(std::unique(points.begin(), points.end(),
                           [](const SamplePoint& a, const SamplePoint& b) {
                             return a.time_ns == b.time_ns;
                           }),
               points.end());
}

}  // namespace

bool RecordedCompactor::folds_at_once(const SampleSet& samples, std::size_t index) {
  if (at_once_names_.empty()) return false;
  while (at_once_.size() <= index) {  // series are only ever appended
    const ContainerSeries& series = samples.series()[at_once_.size()];
    at_once_.push_back(at_once_names_.contains({series.pod, series.container}));
  }
  return at_once_[index] != 0;
}

void RecordedCompactor::check(SampleSet& samples) {
  for (std::size_t i = 0; i < samples.series().size(); ++i) {
    std::size_t size = samples.series()[i].points.size();
    if (size > 0 && folds_at_once(samples, i)) {
      fold(samples, i);
      std::vector<SamplePoint> none;  // the capacity fold() handed the series goes
      samples.swap_points(i, none);
      continue;
    }
    if (size <= exact_points_) continue;
    // Repeats (a file given twice) do not make a series long: de-duplicate it first.
    if (repeats_possible_ && !folded_.contains(i) && !long_once_unique(samples, i)) continue;
    fold(samples, i);
  }
}

bool RecordedCompactor::long_once_unique(SampleSet& samples, std::size_t index) {
  scratch_.clear();
  samples.swap_points(index, scratch_);
  sort_unique(scratch_);
  bool long_series = scratch_.size() > exact_points_;
  samples.swap_points(index, scratch_);  // sorted: the earliest point is in front
  return long_series;
}

void RecordedCompactor::fold(SampleSet& samples, std::size_t index) {
  const ContainerSeries& series = samples.series()[index];
  if (series.points.empty()) return;
  const double window_seconds = series.first_window_seconds;
  const std::uint32_t pod = series.pod;
  const std::string container = series.container;
  const bool bucketed = folds_at_once(samples, index);
  // The series gets the scratch vector's capacity back, so refilling it allocates nothing;
  // but not when input never repeats (Prometheus): a series then gets a whole answer's
  // points (up to 11,000) at once, and each keeping such a buffer would undo the folding.
  if (repeats_possible_) {
    scratch_.clear();
  } else {
    scratch_ = std::vector<SamplePoint>();  // not `= {}`: that keeps the capacity
  }
  samples.swap_points(index, scratch_);
  std::vector<SamplePoint>& points = scratch_;
  sort_unique(points);
  auto [found, fresh] = folded_.try_emplace(index);
  SeriesFold& folded = found->second;
  if (!fresh && repeats_possible_) {
    std::size_t before = points.size();
    std::erase_if(points, [&](const SamplePoint& point) {
      return is_covered(folded.covered, point.time_ns);
    });
    repeats_ += before - points.size();
    if (points.empty()) return;
  }
  if (repeats_possible_) cover(folded.covered, points.front().time_ns, points.back().time_ns);
  for (std::size_t begin = 0; begin < points.size();) {
    std::size_t part = parts_.part_of(points[begin].time_ns);
    std::size_t end = begin;
    while (end < points.size() && parts_.part_of(points[end].time_ns) == part) ++end;
    auto [slot, first_of_part] = folded.parts.try_emplace(part);
    Folded& target = slot->second;
    if (first_of_part) {
      target.exact.pod = target.merged.pod = pod;
      target.exact.container = target.merged.container = container;
      target.exact.first_ns = points[begin].time_ns;
      target.exact.last_ns = target.exact.first_ns;
      target.exact.first_window_seconds = window_seconds;
      // No exact values when the store's hours of it are buckets: they would only cost
      // memory until the merge.
      if (bucketed) {
        target.merged.cpu.to_buckets();
        target.merged.memory.to_buckets();
      }
    }
    fold_part(target, std::span<const SamplePoint>(points.data() + begin, end - begin),
              part_start(part));
    begin = end;
  }
}

std::int64_t RecordedCompactor::part_start(std::size_t part) const {
  return part == 0 ? kNoPartStart : parts_.bounds[part - 1];
}

// The hour of a peak: counted from its part's start, so that the days a backtest counts
// from a bound (the split, a walk-forward interval) are made of whole peak hours.
static std::int64_t peak_hour_of(std::int64_t time_ns, std::int64_t part_start_ns) {
  if (part_start_ns == RecordedCompactor::kNoPartStart) return hour_of(time_ns);
  return part_start_ns + (time_ns - part_start_ns) / kNanosPerHour * kNanosPerHour;
}

void RecordedCompactor::fold_part(Folded& folded, std::span<const SamplePoint> points,
                                  std::int64_t part_start_ns) {
  if (points.front().time_ns < folded.exact.first_ns) {  // never a repeat: before all folded
    folded.exact.first_ns = points.front().time_ns;
  }
  if (points.back().time_ns >= folded.exact.last_ns) {
    folded.exact.last_ns = points.back().time_ns;
    folded.exact.last_cpu_cores = points.back().cpu_cores;
    folded.exact.last_memory_bytes = points.back().memory_bytes;
  }
  for (const SamplePoint& point : points) {
    folded.exact.memory_trend.add(point.time_ns, point.memory_bytes);
  }
  auto cpu_of = [](const SamplePoint& point) { return point.cpu_cores; };
  auto memory_of = [](const SamplePoint& point) { return point.memory_bytes; };
  bool by_hour = half_life_seconds_ > 0 || !parts_.empty();
  if (!by_hour) {
    folded.merged.cpu.add_each(points, cpu_of);
    folded.merged.memory.add_each(points, memory_of);
    return;
  }
  if (half_life_seconds_ > 0 && !folded.merged.decay)
    folded.merged.decay = std::make_shared<DecayWeights>(half_life_seconds_);
  // Sorted by time, so each hour is one run of points: a clock hour weighs as its
  // midpoint; a part's peaks are per hour from the part's start.
  auto run_key = [&](std::int64_t time_ns) {
    return std::pair{hour_of(time_ns), parts_.empty() ? 0 : peak_hour_of(time_ns, part_start_ns)};
  };
  for (std::size_t begin = 0; begin < points.size();) {
    auto key = run_key(points[begin].time_ns);
    std::size_t end = begin;
    while (end < points.size() && run_key(points[end].time_ns) == key) ++end;
    std::span<const SamplePoint> run = points.subspan(begin, end - begin);
    QuantileSketch cpu, memory;
    cpu.add_each(run, cpu_of);
    memory.add_each(run, memory_of);
    // One accuracy throughout, so merging cannot fail.
    (void)folded.merged.cpu.merge(cpu);
    (void)folded.merged.memory.merge(memory);
    if (folded.merged.decay) folded.merged.decay->add(cpu, memory, key.first + kNanosPerHour / 2);
    // At its first point, not the hour's start, which may be before the part.
    if (!parts_.empty())
      folded.merged.peaks.push_back({run.front().time_ns, cpu.max(), memory.max()});
    begin = end;
  }
}

// Sorts a part's peaks by hour and merges those of one hour (its points folded in two
// batches).
static void merge_peaks(std::vector<SamplePoint>& peaks, std::int64_t part_start_ns) {
  auto hour = [&](std::int64_t time_ns) { return peak_hour_of(time_ns, part_start_ns); };
  std::stable_sort(peaks.begin(), peaks.end(), earlier);
  std::vector<SamplePoint> merged;
  for (const SamplePoint& peak : peaks) {
    if (!merged.empty() && hour(merged.back().time_ns) == hour(peak.time_ns)) {
      merged.back().time_ns = std::min(merged.back().time_ns, peak.time_ns);
      merged.back().cpu_cores = std::max(merged.back().cpu_cores, peak.cpu_cores);
      merged.back().memory_bytes = std::max(merged.back().memory_bytes, peak.memory_bytes);
    } else {
      merged.push_back(peak);
    }
  }
  peaks = std::move(merged);
}

void RecordedCompactor::finish(History& history) {
  for (auto& [index, series] : folded_) {
    fold(history.samples, index);
    std::vector<SamplePoint> none;  // the series' memory goes back
    history.samples.swap_points(index, none);
    for (auto& [part, folded] : series.parts) {
      HourSketch& merged = folded.merged;
      merged.folded = true;
      // A part's sketch spans its own points, so that its midpoint is inside the part
      // (a backtest slices by it); without parts, from the first point's clock hour.
      merged.hour_start_ns =
          parts_.empty() ? hour_of(folded.exact.first_ns) : folded.exact.first_ns;
      merged.end_ns = std::max(folded.exact.last_ns + !parts_.empty(), merged.hour_start_ns + 1);
      merge_peaks(merged.peaks, part_start(part));
      history.sketches.push_back(std::move(merged));
      history.compacted.push_back(std::move(folded.exact));
    }
  }
  folded_.clear();
  scratch_ = std::vector<SamplePoint>();
}

}  // namespace podfit::history::detail

// Backtesting: recommend from the first part of the history, replay the second
// part against the recommendation, and count how often usage would have crossed
// each request and limit. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/time_parts.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/history/history.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::backtest {

// Policies to compare; docs/backtest.md gives the source of each preset.
enum class Preset { podfit, vpa, krr };
Result<Preset> parse_preset(std::string_view name);
const char* preset_name(Preset preset);

// Train on [train_begin, split), test on [split, test_end].
struct Split {
  std::int64_t train_begin_ns = 0;
  std::int64_t split_ns = 0;
  std::int64_t test_end_ns = 0;
};
// `fraction` of the covered time trains (0 < fraction < 1). A History's time covered
// includes its compacted hours.
Result<Split> split_by_fraction(const SampleSet& samples, double fraction);
// The same over a covered time known before the history is read (a store's).
Result<Split> split_by_fraction(const history::TimeSpan& covered, double fraction);
Result<Split> split_by_durations(const history::TimeSpan& covered, double train_seconds,
                                 double test_seconds);
Result<Split> split_by_fraction(const history::History& history, double fraction);
// The last `test_seconds` test; the `train_seconds` before them train.
Result<Split> split_by_durations(const SampleSet& samples, double train_seconds,
                                 double test_seconds);
Result<Split> split_by_durations(const history::History& history, double train_seconds,
                                 double test_seconds);

// The same pods (same indices), only the points with from_ns <= time < to_ns.
SampleSet slice(const SampleSet& samples, std::int64_t from_ns, std::int64_t to_ns);
// The same, with the compacted hours whose midpoint is in the range and the events of
// the range (an event of unknown time, 0, counts in every slice); the rest as it is.
history::History slice(const history::History& history, std::int64_t from_ns, std::int64_t to_ns);

// Autopilot's relative slack, (value - usage) / value, floored at 0 (usage above the value
// leaves no slack), summed over the samples that had the value.
struct SlackSum {
  double sum = 0;
  std::size_t samples = 0;
  double mean() const { return samples ? sum / double(samples) : 0.0; }
  void add(const SlackSum& other) {
    sum += other.sum;
    samples += other.samples;
  }
};

// How requests/limits fare over a series of usage samples. Counts and sums, so that the
// exposures of several intervals (walk-forward) or containers (totals) add up.
struct Exposure {
  bool known = false;  // false: no resources to replay against
  std::size_t samples = 0;
  std::size_t cpu_over_request = 0;
  std::size_t cpu_over_limit = 0;  // throttling risk
  std::size_t memory_over_request = 0;
  std::size_t memory_over_limit = 0;  // samples above the memory limit
  std::size_t oom_kills = 0;          // runs of such samples: each run is one OOM kill
  double cpu_idle_sum = 0;            // sum of max(request - usage, 0), core x samples
  double memory_idle_sum = 0;
  SlackSum cpu_request_slack, cpu_limit_slack, memory_request_slack, memory_limit_slack;
  // Per test day (days since the day origin): was the memory limit crossed that day? Kept
  // per container; totals pool the containers' day counts instead.
  std::map<std::int64_t, bool> crossed_by_day;
  std::size_t pooled_days = 0;
  std::size_t pooled_oom_free_days = 0;
  std::int64_t first_oom_ns = 0;  // time of the first sample above the memory limit (0: none)
  bool pooled = false;            // totals: idle reserves are the sum of the containers' means
  double pooled_cpu_idle_cores = 0;
  double pooled_memory_idle_bytes = 0;

  double share(std::size_t count) const { return samples ? double(count) / samples : 0.0; }
  // Mean of max(request - usage, 0) per sample; pooled (totals), the sum of the means.
  double cpu_idle_cores() const;
  double memory_idle_bytes() const;
  std::size_t days() const { return crossed_by_day.size() + pooled_days; }
  std::size_t oom_free_days() const;
  // Another interval of the same container.
  void add(const Exposure& part);
  // Another container, for totals: idle reserves add up as the sum of per-container means.
  void pool(const Exposure& container);
};
// `day_origin_ns` starts day 0 of Exposure::crossed_by_day.
Exposure replay(const std::vector<SamplePoint>& usage, const Resources& resources);
// The same over raw points and compacted hours: an hour's samples are its sketches'
// values (each count of a bucket over a request or limit counts that many samples).
Exposure replay(const std::vector<SamplePoint>& usage, const std::vector<const HourSketch*>& hours,
                const Resources& resources, std::int64_t day_origin_ns = 0);

// What a preset recommends from the training part of one workload container.
struct TrainingData {
  stats::ContainerStats stats;
  // Per pod, its points in time order (VPA's memory peaks are per pod and day); a
  // compacted hour gives one point, its maxima.
  std::vector<std::vector<SamplePoint>> points_by_pod;
  EventCounts events;                  // restarts and OOM kills in the training part
  std::size_t containers_per_pod = 1;  // VPA splits its pod minimums among them
};
policy::Recommendation recommend_with(Preset preset, const TrainingData& training,
                                      const Resources& current,
                                      const policy::PolicyOptions& options);

struct ContainerResult {
  WorkloadRef workload;
  std::string container;
  Preset preset = Preset::podfit;
  std::size_t train_samples = 0;
  policy::Recommendation recommendation;
  Exposure with_recommended;
  Exposure with_current;  // known only when the current resources are
  // Values changed: walk-forward, every time an interval's applied request or limit differs
  // from the one before (each of the four counts); split, the values differing from current.
  std::size_t changes = 0;
};

struct Totals {
  std::string scope;  // a namespace, or "" for the whole run
  Preset preset = Preset::podfit;
  std::size_t containers = 0;
  std::size_t containers_with_oom = 0;  // containers whose memory limit was crossed
  std::size_t changes = 0;
  Exposure with_recommended;  // counts summed; idle = sum of the containers' means
  Exposure with_current;
};

// Walk-forward (the CronJob's life): every `interval` from the history's start plus one
// interval, recommend from the trailing `window`, apply it (min-change and the OOM bump
// against what was applied before) and replay the next interval.
struct WalkForward {
  double interval_seconds = 0;  // 0: a one-shot split
  double window_seconds = 14 * 86400.0;
};

struct BacktestRequest {
  Split split;  // one-shot split; for walk-forward, the whole span (train_begin to test_end)
  WalkForward walk_forward;
  std::vector<Preset> presets{Preset::podfit};
  policy::PolicyOptions options;  // for the podfit preset, and data sufficiency for all
  // Current resources of a workload container (empty Resources when unknown); unset:
  // history::current_resources of the history backtested.
  std::function<Resources(const WorkloadRef&, const std::string&)> current_of;
};

struct BacktestResult {
  Split split;  // walk-forward: split_ns is the first interval's start
  WalkForward walk_forward;
  std::size_t steps = 0;                    // walk-forward intervals replayed
  std::vector<ContainerResult> containers;  // by workload, container, then preset order
  std::vector<Totals> totals;               // per namespace, then the whole run, per preset
};

// Trains on the split's first part of an attributed History (raw points, compacted hours,
// events), replays the second.
BacktestResult run_backtest(const history::History& history, const BacktestRequest& request);
// A history's covered time as a Split with split_ns = first + interval (walk-forward).
Result<Split> walk_forward_span(const history::History& history, double interval_seconds);
Result<Split> walk_forward_span(const history::TimeSpan& covered, double interval_seconds);

// Where `request` cuts time: the split's bounds, or every walk-forward interval's and
// window's. A history read in these parts (history::load_stores_in_parts) backtests as
// its raw points and hours would, within the sketches' accuracy (docs/backtest.md).
TimeParts backtest_parts(const BacktestRequest& request);
// Walk-forward over the same (request.walk_forward.interval_seconds > 0).
BacktestResult run_walk_forward(const history::History& history, const BacktestRequest& request);
// The same over raw samples only.
BacktestResult run_backtest(const SampleSet& samples,
                            const std::vector<WorkloadRef>& workload_of_pod,
                            const BacktestRequest& request);

}  // namespace podfit::backtest

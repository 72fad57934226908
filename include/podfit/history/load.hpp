// Loading a History from each source. Warnings go to `diagnostics` as they are
// found ("podfit: warning: ..."); errors name the file, store or URL.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/time_parts.hpp"
#include "podfit/history/history.hpp"
#include "podfit/kube/live.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::history {

// A series holding more raw points than this while it is read is folded into quantile
// sketches (docs/scale.md), so memory grows with containers, not with history.
inline constexpr std::size_t kExactPointsPerSeries = 2000;
// `top --store` reads every container's window at once: it folds past this many points.
// Either way a folded series' sketches keep up to QuantileSketch::kExactValues distinct
// values exactly, and are then equal to numpy.
inline constexpr std::size_t kTopExactPoints = 256;

// How load_recorded (and load_prometheus) fold long series.
struct RecordedOptions {
  // 0: never fold (backtest slices raw points in time). Folded series keep count, max,
  // pod spans, window and memory trend exact; percentiles come within 1 %.
  std::size_t exact_points = kExactPointsPerSeries;
  // Time decay: a folded series' sketch also weighs each clock hour by its age with this
  // half-life (HourSketch::decay).
  double half_life_seconds = 0;
  // A backtest's parts: a folded series gets one sketch per part (HourSketch::peaks
  // keeps its clock hours' maxima) and one CompactedSeries per part.
  TimeParts parts;
};

// Recorded PodMetricsList JSON Lines ("-": standard input), and beside each file the
// restarts and OOM kills `podfit collect` wrote (<file>.events.jsonl). Malformed lines
// are skipped, warned about and counted; no usable sample at all is an error. A point
// of a folded series at a time inside what was already folded for it counts as a
// repeat (overlapping recordings) and is dropped; `diagnostics` gets a note of how many.
Result<History> load_recorded(const std::vector<std::string>& paths, std::ostream& diagnostics,
                              const RecordedOptions& options = {});

// The time recorded files cover, from a first pass that keeps no points (a backtest cuts
// its parts before it reads them: RecordedOptions::parts). Not for standard input.
Result<TimeSpan> recorded_time_span(const std::vector<std::string>& paths);

// Everything the store holds: raw points, compacted hours, events, the resources the
// collector last saw. `keep_hours_apart`: one sketch per hour (for readers that slice
// them in time; a backtest reads load_stores_in_parts); else one merged sketch per container, which
// with `half_life_seconds` > 0 keeps each hour's weight for time decay (HourSketch::decay). `fold`:
// raw series past kExactPointsPerSeries are folded into sketches as they are read, as load_recorded
// does, and those of containers with compacted hours as soon as they come.
Result<History> load_store(const std::string& path, bool keep_hours_apart, bool fold = false,
                           double half_life_seconds = 0);

// For a backtest cut at `parts`, what load_stores gives: each store's compacted hours
// merged per series and part (their peaks kept, and with `half_life_seconds` their
// weights) and raw series past kExactPointsPerSeries folded per part as they are read,
// with those of containers that have compacted hours folded as soon as they come.
Result<History> load_stores_in_parts(const std::vector<std::string>& paths, const TimeParts& parts,
                                     double half_life_seconds = 0);
// The time the stores cover, without reading their samples: a compacted hour covers from
// its start to 1 ns before its end, as a backtest's split counts it.
Result<TimeSpan> stores_time_span(const std::vector<std::string>& paths);

// load_store of each of `paths` (the stores of collectors sharded by namespace or label
// selector), merged: pods re-interned, raw points de-duplicated. A pod whose hours are in
// two stores (overlapping shards) keeps the first store's hours and is named in
// History::notices. A store that cannot be read is an error naming it.
Result<History> load_stores(const std::vector<std::string>& paths, bool keep_hours_apart,
                            bool fold = false, double half_life_seconds = 0);

// What the store holds for [end - window_ns, end): raw points and the sketches of the
// hours that overlap; `end_ns` 0 means just after the newest sample, and is set to the
// end used.
Result<History> load_store_window(const std::string& path, std::int64_t window_ns,
                                  std::int64_t& end_ns);

// Usage, owners, restarts and OOM kills from Prometheus (and kube-state-metrics),
// with a note of the traffic and of throttled or OOM-killed containers. Series past
// `fold.exact_points` are folded into sketches as the answers come in, as load_recorded
// does (`options.every_points` is replaced for it); exact_points 0 keeps every point raw
// (backtest slices raw points in time).
Result<History> load_prometheus(const source::PrometheusApiFactory& make_api,
                                const source::PrometheusQueryOptions& options,
                                const std::string& url, std::ostream& diagnostics,
                                const RecordedOptions& fold = {});

// What the cluster says now about the pods in the history: owners (which beat the pod
// name in attribute()), per-pod resources, and restarts and OOM kills as events.
void add_live_state(History& history, const kube::LiveState& state);

}  // namespace podfit::history

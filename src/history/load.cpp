// Loading a History from recorded files, the store, Prometheus and the live cluster.
#include "podfit/history/load.hpp"

#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "podfit/core/attribution.hpp"
#include "podfit/kube/collect.hpp"
#include "podfit/net/http.hpp"
#include "podfit/source/recorded.hpp"
#include "podfit/store/store.hpp"

#include "recorded_compactor.hpp"

namespace podfit::history {

namespace {

void warn(std::ostream& diagnostics, const std::string& message) {
  diagnostics << "podfit: warning: " << message << '\n';
}

// collect's events file beside a samples file, when there is one.
void read_events_beside(const std::string& samples_path, History& history,
                        std::ostream& diagnostics) {
  std::string path = kube::events_path(samples_path);
  std::error_code error;
  if (samples_path == "-" || !std::filesystem::is_regular_file(path, error)) return;
  auto events = kube::read_events_file(path);
  if (!events) {
    warn(diagnostics, events.error().message + " (events ignored)");
    ++history.input_problems;
    return;
  }
  history.events.insert(history.events.end(), events->begin(), events->end());
}

History from_stored(store::StoredHistory stored) {
  History history;
  history.samples = std::move(stored.samples);
  history.sketches = std::move(stored.sketches);
  history.events = std::move(stored.events);
  history.cluster_resources = std::move(stored.resources);
  return history;
}

void note_signals(const source::PrometheusLoad& load, std::ostream& diagnostics) {
  for (const source::ContainerSignals& signal : load.signals) {
    const PodRecord& pod = load.samples.pods()[signal.pod];
    std::string name =
        pod.namespace_name + "/" + pod.name + ": container \"" + signal.container + "\"";
    if (signal.oom_killed && !signal.memory_limit_bytes) {
      diagnostics << "podfit: note: " << name
                  << " was OOM-killed, but its memory limit is unknown (no "
                     "kube_pod_container_resource_limits): memory not raised for it\n";
    }
    if (signal.throttled_fraction && *signal.throttled_fraction >= 0.1) {
      diagnostics << "podfit: note: " << name << " was CPU-throttled in "
                  << static_cast<int>(*signal.throttled_fraction * 100) << "% of periods\n";
    }
  }
}

std::string no_usable_samples(const std::vector<std::string>& paths) {
  std::string names;
  for (const std::string& path : paths)
    names += (names.empty() ? "" : ", ") + (path == "-" ? "standard input" : path);
  return "no usable samples in the --samples input (" + names + ")";
}

}  // namespace

Result<History> load_recorded(const std::vector<std::string>& paths, std::ostream& diagnostics,
                              const RecordedOptions& options) {
  History history;
  detail::RecordedCompactor compactor(options.exact_points, options.half_life_seconds,
                                      detail::Repeats::possible, options.parts);
  source::PointsHook fold_long_series;
  if (options.exact_points > 0) fold_long_series = [&](SampleSet& read) { compactor.check(read); };
  for (const std::string& path : paths) {
    PODFIT_TRY_ASSIGN(summary, source::read_recorded_file(path, history.samples, fold_long_series));
    for (const std::string& warning : summary.warnings) warn(diagnostics, warning);
    if (summary.skipped > 0) {
      warn(diagnostics, path + ": skipped " + std::to_string(summary.skipped) + " of " +
                            std::to_string(summary.lines) + " lines");
      history.input_problems += summary.skipped;
    }
  }
  compactor.finish(history);
  if (compactor.repeats_dropped() > 0) {
    diagnostics << "podfit: note: " << compactor.repeats_dropped()
                << " points fell inside the time already compacted for their container and "
                   "were counted as repeats (overlapping recordings; docs/scale.md)\n";
  }
  history.samples.finalize();
  if (history.samples.point_count() == 0 && history.sketches.empty()) {
    return fail(no_usable_samples(paths));
  }
  for (const std::string& path : paths) read_events_beside(path, history, diagnostics);
  return history;
}

Result<TimeSpan> recorded_time_span(const std::vector<std::string>& paths) {
  TimeSpan span{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()};
  // Every point read is seen, then dropped: the pass holds no history.
  auto see_and_drop = [&](SampleSet& read) {
    for (std::size_t i = 0; i < read.series().size(); ++i) {
      for (const SamplePoint& point : read.series()[i].points) {
        span.first = std::min(span.first, point.time_ns);
        span.last = std::max(span.last, point.time_ns);
      }
      std::vector<SamplePoint> none;
      read.swap_points(i, none);
    }
  };
  for (const std::string& path : paths) {
    SampleSet samples;
    PODFIT_TRY(source::read_recorded_file(path, samples, see_and_drop));
    see_and_drop(samples);
  }
  if (span.first > span.last) return fail(no_usable_samples(paths));
  return span;
}

namespace {

// [from_ns, to_ns) of `opened`, raw series folded as they are read when `fold` (see
// load_store); `at_once`: those with compacted hours as soon as their points come.
Result<History> read_store(const store::Store& opened, std::int64_t from_ns, std::int64_t to_ns,
                           store::ReadOptions read, bool fold, bool at_once,
                           std::size_t exact_points = kExactPointsPerSeries) {
  detail::RecordedCompactor compactor(exact_points, read.half_life_seconds,
                                      detail::Repeats::possible, read.parts);
  if (fold) {
    read.every_points = [&](SampleSet& samples) { compactor.check(samples); };
  }
  if (fold && at_once) {
    read.sketched_series = [&](std::uint32_t pod, const std::string& container) {
      compactor.fold_at_once(pod, container);
    };
  }
  PODFIT_TRY_ASSIGN(stored, opened.read(from_ns, to_ns, read));
  History history = from_stored(std::move(stored));
  if (fold) {
    compactor.check(history.samples);  // what came after the last call of the hook
    compactor.finish(history);
    history.samples.finalize();
  }
  return history;
}

// How load_store and load_stores_in_parts read one store.
struct StoreShape {
  bool keep_hours_apart = false;
  bool fold = false;
  double half_life_seconds = 0;
  TimeParts parts;
};

Result<History> load_one_store(const std::string& path, const StoreShape& shape) {
  PODFIT_TRY_ASSIGN(opened, store::Store::open(path, store::OpenMode::read_only));
  // Hours kept apart each weigh their own midpoint.
  store::ReadOptions read{.merge_hours = !shape.keep_hours_apart,
                          .half_life_seconds = shape.keep_hours_apart && shape.parts.empty()
                                                   ? 0
                                                   : shape.half_life_seconds,
                          .parts = shape.parts};
  PODFIT_TRY_ASSIGN(history,
                    read_store(opened, std::numeric_limits<std::int64_t>::min(),
                               std::numeric_limits<std::int64_t>::max(), read, shape.fold, true));
  if (history.samples.point_count() == 0 && history.sketches.empty()) {
    return fail(path + ": the store holds no samples yet");
  }
  return history;
}

}  // namespace

Result<History> load_store(const std::string& path, bool keep_hours_apart, bool fold,
                           double half_life_seconds) {
  return load_one_store(path, {keep_hours_apart, fold, half_life_seconds, {}});
}

Result<TimeSpan> stores_time_span(const std::vector<std::string>& paths) {
  TimeSpan span{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()};
  for (const std::string& path : paths) {
    PODFIT_TRY_ASSIGN(opened, store::Store::open(path, store::OpenMode::read_only));
    PODFIT_TRY_ASSIGN(info, opened.info());
    if (info.first_raw_ns) {
      span.first = std::min(span.first, *info.first_raw_ns);
      span.last = std::max(span.last, *info.last_raw_ns);
    }
    if (info.first_sketch_hour_ns) {
      span.first = std::min(span.first, *info.first_sketch_hour_ns);
      span.last = std::max(span.last, *info.last_sketch_hour_ns + kNanosPerHour - 1);
    }
    if (!info.first_raw_ns && !info.first_sketch_hour_ns) {
      return fail(path + ": the store holds no samples yet");
    }
  }
  return span;
}

namespace {

// Moves `part` (one store's history) into `into`, re-interning its pods; `origin` names
// the store in notices.
void merge_store(History& into, History part, const std::string& origin,
                 std::map<std::pair<std::uint32_t, std::string>, std::string>& hours_from) {
  // hours_from: the store each (pod, container)'s compacted hours were taken from.
  std::vector<std::uint32_t> pod_of(part.samples.pods().size());
  for (std::size_t i = 0; i < pod_of.size(); ++i) {
    const PodRecord& pod = part.samples.pods()[i];
    pod_of[i] = into.samples.intern_pod(pod.namespace_name, pod.name, &pod.labels);
  }
  for (const ContainerSeries& series : part.samples.series()) {
    into.samples.add_points(pod_of[series.pod], series.container, series.points,
                            series.first_window_seconds);
  }
  std::set<std::pair<std::uint32_t, std::string>> overlapping;
  for (HourSketch& hour : part.sketches) {
    hour.pod = pod_of[hour.pod];
    auto [first, added] = hours_from.try_emplace({hour.pod, hour.container}, origin);
    if (!added && first->second != origin) {
      overlapping.insert({hour.pod, hour.container});
      continue;
    }
    into.sketches.push_back(std::move(hour));
  }
  for (const auto& [pod, container] : overlapping) {
    const PodRecord& record = into.samples.pods()[pod];
    into.notices.push_back(origin + ": pod " + record.namespace_name + "/" + record.name +
                           " container " + container + " is also in " +
                           hours_from.at({pod, container}) +
                           " (overlapping shards): its compacted hours are read from there only");
  }
  for (CompactedSeries& series : part.compacted) {  // the exact part of folded raw series
    series.pod = pod_of[series.pod];
    if (overlapping.count({series.pod, series.container})) continue;  // as its hours
    into.compacted.push_back(std::move(series));
  }
  into.events.insert(into.events.end(), part.events.begin(), part.events.end());
  into.cluster_resources.insert(into.cluster_resources.end(), part.cluster_resources.begin(),
                                part.cluster_resources.end());
}

}  // namespace

namespace {

Result<History> load_shaped_stores(const std::vector<std::string>& paths, const StoreShape& shape) {
  if (paths.size() == 1) return load_one_store(paths.front(), shape);
  History merged;
  std::map<std::pair<std::uint32_t, std::string>, std::string> hours_from;
  std::set<std::string> seen;
  for (const std::string& path : paths) {
    if (!seen.insert(path).second) {
      merged.notices.push_back(path + ": given twice with --store, read once");
      continue;
    }
    PODFIT_TRY_ASSIGN(part, load_one_store(path, shape));
    merge_store(merged, std::move(part), path, hours_from);
  }
  merged.samples.finalize();
  return merged;
}

}  // namespace

Result<History> load_stores(const std::vector<std::string>& paths, bool keep_hours_apart, bool fold,
                            double half_life_seconds) {
  return load_shaped_stores(paths, {keep_hours_apart, fold, half_life_seconds, {}});
}

Result<History> load_stores_in_parts(const std::vector<std::string>& paths, const TimeParts& parts,
                                     double half_life_seconds) {
  return load_shaped_stores(paths, {true, true, half_life_seconds, parts});
}

Result<History> load_store_window(const std::string& path, std::int64_t window_ns,
                                  std::int64_t& end_ns) {
  PODFIT_TRY_ASSIGN(opened, store::Store::open(path, store::OpenMode::read_only));
  PODFIT_TRY_ASSIGN(info, opened.info());
  if (!info.last_raw_ns && !info.last_sketch_hour_ns) {
    return fail(path + ": the store holds no samples yet");
  }
  if (end_ns == 0) {
    end_ns = info.last_raw_ns ? *info.last_raw_ns + 1 : *info.last_sketch_hour_ns + kNanosPerHour;
  }
  // One sketch per container: the window's hours are only ever merged here. Raw series
  // past kTopExactPoints are folded as they are read (each keeps its newest values in
  // CompactedSeries); those under it stay exact, whatever the store's older hours.
  return read_store(opened, end_ns - window_ns, end_ns, {.merge_hours = true}, true, false,
                    kTopExactPoints);
}

Result<History> load_prometheus(const source::PrometheusApiFactory& make_api,
                                const source::PrometheusQueryOptions& options,
                                const std::string& given_url, std::ostream& diagnostics,
                                const RecordedOptions& fold) {
  const std::string url = net::redact_userinfo(given_url);
  // Prometheus gives each container one point per step: nothing is a repeat.
  detail::RecordedCompactor compactor(fold.exact_points, fold.half_life_seconds,
                                      detail::Repeats::never, fold.parts);
  source::PrometheusQueryOptions query = options;
  if (fold.exact_points > 0) {
    query.every_points = [&compactor](SampleSet& read) { compactor.check(read); };
  }
  PODFIT_TRY_ASSIGN(load, source::load_from_prometheus(make_api, query));
  for (const std::string& warning : load.warnings) warn(diagnostics, warning);
  const source::PrometheusQueryStats& stats = load.stats;
  diagnostics << "podfit: note: " << url << ": " << stats.queries << " queries, "
              << stats.bytes_total / 1'000'000 << " MB received, the largest answer "
              << stats.bytes_max / 1'000 << " kB, " << stats.retries << " retried\n";
  note_signals(load, diagnostics);
  History history;
  history.samples = std::move(load.samples);
  compactor.finish(history);
  history.samples.finalize();
  if (history.samples.point_count() == 0 && history.sketches.empty()) {
    return fail(url + ": no step had both CPU and memory samples");
  }
  history.events = std::move(load.events);
  history.owner_of_pod = std::move(load.owner_of_pod);
  history.prometheus_label_names = true;
  history.input_problems = load.problems;
  return history;
}

void add_live_state(History& history, const kube::LiveState& state) {
  std::map<std::pair<std::string, std::string>, const kube::LivePod*> by_name;
  for (const kube::LivePod& pod : state.pods) by_name[{pod.namespace_name, pod.name}] = &pod;
  const std::vector<PodRecord>& pods = history.samples.pods();
  for (std::uint32_t i = 0; i < pods.size(); ++i) {
    auto found = by_name.find({pods[i].namespace_name, pods[i].name});
    if (found == by_name.end()) continue;
    const kube::LivePod& pod = *found->second;
    history.owner_of_pod[i] = pod.owner;
    if (!pod.annotations.empty()) history.pod_annotations[i] = pod.annotations;
    for (const kube::LiveContainer& container : pod.containers) {
      history.live_resources.push_back({i, container.name, container.current});
      if (container.restart_count > 0) history.events.push_back(kube::event_of(pod, container));
    }
  }
  for (const std::string& page : state.autoscaler_pages) {
    auto parsed = manifest::parse_manifest("cluster", page);
    if (!parsed) {
      history.notices.push_back("HPAs from the cluster: " + parsed.error().message);
      continue;
    }
    for (Autoscaler& autoscaler : parsed->autoscalers) {
      autoscaler.file = "cluster";
      for (AutoscalerMetric& metric : autoscaler.metrics) metric.offset = 0;  // not a file
      history.live_autoscalers.push_back(std::move(autoscaler));
    }
  }
  if (!state.autoscaler_problem.empty()) {
    history.notices.push_back(
        "cannot list HorizontalPodAutoscalers, so the HPA "
        "rules see none: " +
        state.autoscaler_problem);
  }
}

}  // namespace podfit::history

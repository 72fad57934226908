// Loads per-container history from Prometheus: discovery through
// /api/v1/series, then bounded query_range chunks on a few worker threads,
// CPU and memory joined per step into one SampleSet.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "podfit/core/attribution.hpp"
#include "podfit/core/time.hpp"
#include "podfit/net/retry.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::source {

namespace {

constexpr const char* kCpuMetric = "container_cpu_usage_seconds_total";
constexpr const char* kMemoryMetric = "container_memory_working_set_bytes";
constexpr const char* kContainerMatchers = "container!=\"\",container!=\"POD\"";

using ContainerKey =
    std::tuple<std::string, std::string, std::string>;  // namespace, pod, container
using LabelMap = std::map<std::string, std::string>;

std::string seconds_text(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) / 1e9);
  return text;
}

std::string duration_ms(double seconds) {
  return std::to_string(std::max<long long>(1, std::llround(seconds * 1000))) + "ms";
}

std::string label_of(const LabelMap& labels, const std::string& name) {
  auto found = labels.find(name);
  return found == labels.end() ? std::string() : found->second;
}

// The selector of the discovery: extra labels and the namespaces asked for.
std::string scope_selector(const PrometheusQueryOptions& options) {
  std::string text;
  for (const auto& [name, value] : options.labels) {
    text += (text.empty() ? "" : ",") + name + "=" + promql_string(value);
  }
  if (!options.namespaces.empty()) {
    std::string names;
    for (const auto& ns : options.namespaces)
      names += (names.empty() ? "" : "|") + promql_regex_literal(ns);
    text += (text.empty() ? "" : ",") + std::string("namespace=~\"") + names + "\"";
  }
  return text;
}

std::string with_containers(const std::string& selector) {
  return selector.empty() ? kContainerMatchers : std::string(kContainerMatchers) + "," + selector;
}

// Why an answer could not be used, naming the URL; credentials are never part of it.
Error answer_error(const PrometheusApi& api, const std::string& path, const PrometheusReply& reply,
                   const Error& parse_error) {
  std::string where = api.base_url() + path + ": ";
  if (reply.status == 401 || reply.status == 403) {
    return Error{where + "HTTP " + std::to_string(reply.status) +
                 ": the server refused the request (check the bearer token, basic auth and "
                 "headers given for it)"};
  }
  std::string status = reply.status == 200 ? "" : "HTTP " + std::to_string(reply.status) + ": ";
  return Error{where + status + parse_error.message};
}

struct ContainerPresence {
  bool cpu = false;
  bool memory = false;
};

struct Discovery {
  std::map<ContainerKey, ContainerPresence> containers;
  std::map<std::pair<std::string, std::string>, Labels> pod_labels;
  std::map<std::pair<std::string, std::string>, WorkloadRef> owners;
};

// A WorkloadRef from kube_pod_owner's owner_kind/owner_name.
std::optional<WorkloadRef> owner_workload(const std::string& ns, const LabelMap& labels) {
  std::string kind = label_of(labels, "owner_kind"), name = label_of(labels, "owner_name");
  if (kind.empty() || name.empty() || kind == "<none>" || name == "<none>") return std::nullopt;
  return workload_of_owner(ns, kind, name);
}

class Loader {
 public:
  Loader(const PrometheusApiFactory& make_api, const PrometheusQueryOptions& options)
      : make_api_(make_api), options_(options), retry_(net::with_defaults(options.retry)) {}

  Result<PrometheusLoad> run();

 private:
  Result<PrometheusReply> post(PrometheusApi& api, const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& form);
  Result<std::vector<MatrixSeries>> query_range(PrometheusApi& api, const std::string& query,
                                                std::int64_t start_ns, std::int64_t end_ns);
  Result<std::vector<MatrixSeries>> query_instant(PrometheusApi& api, const std::string& query);
  Result<Discovery> discover(PrometheusApi& api);
  void read_chunk(PrometheusApi& api, const QueryChunk& chunk);
  void add_joined(std::vector<MatrixSeries>& cpu, std::vector<MatrixSeries>& memory);
  void warn(std::string message);
  void report_gaps();
  void read_signals(PrometheusApi& api, const std::vector<QueryChunk>& chunks);

  const PrometheusApiFactory& make_api_;
  const PrometheusQueryOptions& options_;
  const net::RetryPolicy retry_;
  std::int64_t step_ns_ = 0, start_ns_ = 0, end_ns_ = 0, gap_limit_ns_ = 0;
  double rate_window_ = 0;
  std::vector<PodSeriesCount> pods_;
  Discovery discovery_;

  std::mutex mutex_;  // guards everything below
  PrometheusLoad load_;
  std::size_t queries_done_ = 0, queries_total_ = 0;
  std::map<ContainerKey, std::pair<std::size_t, std::size_t>> unmatched_;  // cpu-only, memory-only
  // What report_gaps needs of each answer's points, which every_points may take away.
  struct Run {
    std::int64_t first_ns = 0, last_ns = 0;
    std::size_t gaps = 0;  // holes of gap_limit_ns_ or more between its points
    std::int64_t longest_ns = 0;
  };
  std::map<std::pair<std::uint32_t, std::string>, std::vector<Run>> runs_;  // by (pod, container)
  std::size_t points_since_check_ = 0;
};

void Loader::warn(std::string message) {
  std::lock_guard lock(mutex_);
  load_.warnings.push_back(std::move(message));
  ++load_.problems;
}

Result<PrometheusReply> Loader::post(PrometheusApi& api, const std::string& path,
                                     const std::vector<std::pair<std::string, std::string>>& form) {
  std::string body = form_encode(form);
  const int attempts = retry_.max_attempts;
  for (int attempt = 1;; ++attempt) {
    auto reply = api.post_form(path, body);
    bool transient = !reply || net::is_retryable_status(reply->status);
    {
      std::lock_guard lock(mutex_);
      ++load_.stats.queries;
      if (reply) {
        load_.stats.bytes_total += reply->body.size();
        load_.stats.bytes_max = std::max(load_.stats.bytes_max, reply->body.size());
      }
      if (transient && attempt < attempts) ++load_.stats.retries;
    }
    if (transient && attempt < attempts) {
      retry_.sleep(net::retry_delay_seconds(retry_, attempt));
      continue;
    }
    if (!reply) return tl::unexpected(reply.error());
    return reply;
  }
}

Result<std::vector<MatrixSeries>> Loader::query_range(PrometheusApi& api, const std::string& query,
                                                      std::int64_t start_ns, std::int64_t end_ns) {
  PODFIT_TRY_ASSIGN(reply, post(api, "/api/v1/query_range",
                                {{"query", query},
                                 {"start", seconds_text(start_ns)},
                                 {"end", seconds_text(end_ns)},
                                 {"step", duration_ms(options_.step_seconds)}}));
  auto parsed = parse_query_response(reply.body);
  if (!parsed)
    return tl::unexpected(answer_error(api, "/api/v1/query_range", reply, parsed.error()));
  return parsed;
}

Result<Discovery> Loader::discover(PrometheusApi& api) {
  std::string scope = scope_selector(options_);
  std::string containers = "{" + with_containers(scope) + "}";
  std::vector<std::pair<std::string, std::string>> form = {
      {"match[]", kCpuMetric + containers},
      {"match[]", kMemoryMetric + containers},
      {"match[]", "kube_pod_labels{" + scope + "}"},
      {"match[]", "kube_pod_owner{" + scope + "}"},
      {"start", seconds_text(start_ns_)},
      {"end", seconds_text(end_ns_)}};
  if (scope.empty()) {  // an empty matcher set is refused; name-only selectors are fine
    form[2].second = "kube_pod_labels";
    form[3].second = "kube_pod_owner";
  }
  auto reply = post(api, "/api/v1/series", form);
  if (!reply) return fail(reply.error().message);
  auto all = parse_series_response(reply->body);
  if (!all) return tl::unexpected(answer_error(api, "/api/v1/series", *reply, all.error()));
  Discovery found;
  for (const LabelMap& labels : *all) {
    std::string name = label_of(labels, "__name__"), ns = label_of(labels, "namespace"),
                pod = label_of(labels, "pod");
    if (ns.empty() || pod.empty()) continue;
    if (name == kCpuMetric || name == kMemoryMetric) {
      auto& presence = found.containers[{ns, pod, label_of(labels, "container")}];
      (name == kCpuMetric ? presence.cpu : presence.memory) = true;
    } else if (name == "kube_pod_labels") {
      Labels& pod_labels = found.pod_labels[{ns, pod}];
      for (const auto& [key, value] : labels) {
        if (key.rfind("label_", 0) == 0) pod_labels[key] = value;
      }
    } else if (name == "kube_pod_owner") {
      if (auto owner = owner_workload(ns, labels)) found.owners[{ns, pod}] = *owner;
    }
  }
  return found;
}

// The highest value at each time of either list (both sorted by time), as max by would.
void merge_max(std::vector<std::pair<std::int64_t, double>>& into,
               const std::vector<std::pair<std::int64_t, double>>& more) {
  std::vector<std::pair<std::int64_t, double>> merged;
  merged.reserve(into.size() + more.size());
  std::size_t i = 0, j = 0;
  while (i < into.size() || j < more.size()) {
    if (j == more.size() || (i < into.size() && into[i].first < more[j].first)) {
      merged.push_back(into[i++]);
    } else if (i == into.size() || more[j].first < into[i].first) {
      merged.push_back(more[j++]);
    } else {
      double a = into[i].second, b = more[j].second;
      merged.emplace_back(into[i].first, std::isnan(a) || b > a ? b : a);
      ++i, ++j;
    }
  }
  into = std::move(merged);
}

// One series per container. Several series of one container (scraped by two jobs, or
// cAdvisor's series before and after a restart) are merged here rather than with
// `max by` in PromQL, which more than doubles Prometheus' work on a range query.
std::map<ContainerKey, MatrixSeries*> by_container(std::vector<MatrixSeries>& all) {
  std::map<ContainerKey, MatrixSeries*> map;
  for (auto& series : all) {
    auto [found, inserted] = map.emplace(
        ContainerKey{label_of(series.labels, "namespace"), label_of(series.labels, "pod"),
                     label_of(series.labels, "container")},
        &series);
    if (!inserted) merge_max(found->second->points, series.points);
  }
  return map;
}

// Joins the CPU and memory answers of one chunk on (namespace, pod, container, time).
void Loader::add_joined(std::vector<MatrixSeries>& cpu_answer,
                        std::vector<MatrixSeries>& memory_answer) {
  std::map<ContainerKey, MatrixSeries*> cpu = by_container(cpu_answer);
  std::map<ContainerKey, MatrixSeries*> memory_of = by_container(memory_answer);
  std::lock_guard lock(mutex_);
  auto add_unmatched = [this](const ContainerKey& key, std::size_t cpu_only,
                              std::size_t memory_only) {
    if (cpu_only + memory_only == 0) return;
    auto& counts = unmatched_[key];
    counts.first += cpu_only;
    counts.second += memory_only;
  };
  for (auto& [key, cpu_series] : cpu) {
    const MatrixSeries& series = *cpu_series;
    auto found = memory_of.find(key);
    if (found == memory_of.end()) {
      add_unmatched(key, series.points.size(), 0);
      continue;
    }
    const auto& mem_points = found->second->points;
    std::uint32_t pod = load_.samples.intern_pod(std::get<0>(key), std::get<1>(key));
    std::size_t i = 0, j = 0, cpu_only = 0, memory_only = 0, kept = 0;
    Run run;
    while (i < series.points.size() && j < mem_points.size()) {
      auto [cpu_time, cores] = series.points[i];
      auto [mem_time, bytes] = mem_points[j];
      if (cpu_time < mem_time) {
        ++cpu_only, ++i;
      } else if (mem_time < cpu_time) {
        ++memory_only, ++j;
      } else {
        if (std::isfinite(cores) && std::isfinite(bytes) && cores >= 0 && bytes >= 0) {
          load_.samples.add(pod, std::get<2>(key), SamplePoint{cpu_time, cores, bytes},
                            options_.step_seconds);
          if (kept++ == 0) {
            run.first_ns = cpu_time;
          } else if (std::int64_t hole = cpu_time - run.last_ns - step_ns_; hole >= gap_limit_ns_) {
            ++run.gaps;
            run.longest_ns = std::max(run.longest_ns, hole);
          }
          run.last_ns = cpu_time;
        }
        ++i, ++j;
      }
    }
    if (kept > 0) runs_[{pod, std::get<2>(key)}].push_back(run);
    points_since_check_ += kept;
    add_unmatched(key, cpu_only + series.points.size() - i, memory_only + mem_points.size() - j);
    memory_of.erase(found);
  }
  for (const auto& [key, series] : memory_of) add_unmatched(key, 0, series->points.size());
  if (options_.every_points && points_since_check_ >= kPointsPerCheck) {
    options_.every_points(load_.samples);
    points_since_check_ = 0;
  }
}

void Loader::read_chunk(PrometheusApi& api, const QueryChunk& chunk) {
  std::string selector = "{" + with_containers(chunk.selector) + "}";
  std::string window = duration_ms(rate_window_);
  // No `max by`: add_joined merges duplicates (the same container scraped twice must
  // not count twice) at a fraction of the cost.
  std::string cpu_query = "rate(" + std::string(kCpuMetric) + selector + "[" + window + "])";
  // One millisecond short of a step, so that each step sees only its own samples.
  std::string memory_query = "max_over_time(" + std::string(kMemoryMetric) + selector + "[" +
                             duration_ms(options_.step_seconds - 0.001) + "])";
  auto cpu = query_range(api, cpu_query, chunk.start_ns, chunk.end_ns);
  auto memory = cpu ? query_range(api, memory_query, chunk.start_ns, chunk.end_ns) : cpu;
  if (!cpu || !memory) {
    std::set<std::string> workloads;
    for (std::uint32_t index : chunk.pods) {
      const PodSeriesCount& pod = pods_[index];
      auto ref = workload_from_pod_name(pod.namespace_name, pod.pod);
      workloads.insert(ref ? ref->display() : pod.namespace_name + "/Pod/" + pod.pod);
    }
    std::string names;
    for (const auto& name : workloads) names += (names.empty() ? "" : ", ") + name;
    warn((cpu ? memory.error() : cpu.error()).message + " (" + seconds_text(chunk.start_ns) +
         " to " + seconds_text(chunk.end_ns) + "; history missing for " + names + ")");
  } else {
    add_joined(*cpu, *memory);
  }
  std::lock_guard lock(mutex_);
  ++queries_done_;
  if (options_.progress) {
    options_.progress(PrometheusProgress{queries_done_, queries_total_, load_.stats.bytes_total});
  }
}

// Per container: steps with only one of the two metrics, and holes in the series.
void Loader::report_gaps() {
  for (const auto& [key, counts] : unmatched_) {
    const auto& [ns, pod, container] = key;
    if (counts.first > 1) {  // the first step of a pod has no rate yet
      load_.warnings.push_back(ns + "/" + pod + ": container \"" + container +
                               "\": " + std::to_string(counts.first) +
                               " steps have CPU but no memory samples (left out)");
    }
    if (counts.second > 1) {
      load_.warnings.push_back(ns + "/" + pod + ": container \"" + container +
                               "\": " + std::to_string(counts.second) +
                               " steps have memory but no CPU samples (left out)");
    }
  }
  // From each answer's runs (the time chunks of a series are disjoint): holes inside
  // each, and between one and the next in time.
  for (const ContainerSeries& series : load_.samples.series()) {
    auto found = runs_.find({series.pod, series.container});
    if (found == runs_.end()) continue;
    std::vector<Run>& runs = found->second;
    std::sort(runs.begin(), runs.end(),
              [](const Run& a, const Run& b) { return a.first_ns < b.first_ns; });
    std::size_t gaps = 0;
    std::int64_t longest = 0, last_ns = runs.front().first_ns;
    for (const Run& run : runs) {
      std::int64_t hole = run.first_ns - last_ns - step_ns_;
      if (hole >= gap_limit_ns_) {
        ++gaps;
        longest = std::max(longest, hole);
      }
      gaps += run.gaps;
      longest = std::max(longest, run.longest_ns);
      last_ns = std::max(last_ns, run.last_ns);
    }
    if (gaps == 0) continue;
    const PodRecord& pod = load_.samples.pods()[series.pod];
    load_.warnings.push_back(pod.namespace_name + "/" + pod.name + ": container \"" +
                             series.container + "\": " + std::to_string(gaps) +
                             " gaps in the history, the longest " +
                             std::to_string(longest / 60'000'000'000LL) + " min");
  }
}

Result<std::vector<MatrixSeries>> Loader::query_instant(PrometheusApi& api,
                                                        const std::string& query) {
  PODFIT_TRY_ASSIGN(
      reply, post(api, "/api/v1/query", {{"query", query}, {"time", seconds_text(end_ns_)}}));
  auto parsed = parse_query_response(reply.body);
  if (!parsed) return tl::unexpected(answer_error(api, "/api/v1/query", reply, parsed.error()));
  return parsed;
}

// Restarts, OOM kills and memory limits (kube-state-metrics) and CPU throttling
// (cAdvisor), one instant query each over the whole history per selector; absent
// metrics give empty answers and no signals.
void Loader::read_signals(PrometheusApi& api, const std::vector<QueryChunk>& chunks) {
  std::set<std::string> selectors;
  for (const auto& chunk : chunks) selectors.insert(chunk.selector);
  std::string range = "[" + duration_ms(static_cast<double>(end_ns_ - start_ns_) / 1e9) + "]";
  std::map<ContainerKey, ContainerSignals> signals;
  const std::string by = "max by (namespace, pod, container) (max_over_time(";
  for (const std::string& selector : selectors) {
    std::string sel = selector.empty() ? "" : "," + selector;
    auto highest = [&](const std::string& metric, const std::string& matchers) {
      return by + metric + "{" + matchers + sel + "}" + range + "))";
    };
    std::string cfs = "{" + with_containers(selector) + "}" + range + "))";
    const std::string queries[] = {
        highest("kube_pod_container_status_restarts_total", "container!=\"\""),
        highest("kube_pod_container_status_last_terminated_reason", "reason=\"OOMKilled\""),
        // kube-state-metrics v2, and v1's name for the same number.
        highest("kube_pod_container_resource_limits", "resource=\"memory\"") + " or " +
            highest("kube_pod_container_resource_limits_memory_bytes", "container!=\"\""),
        "sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total" +
            cfs +
            " / sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total" +
            cfs};
    for (std::size_t kind = 0; kind < std::size(queries); ++kind) {
      auto answer = query_instant(api, queries[kind]);
      if (!answer) {
        warn(answer.error().message +
             " (restarts, OOM kills, memory limits and throttling left out)");
        return;
      }
      for (const MatrixSeries& series : *answer) {
        if (series.points.empty() || !std::isfinite(series.points.back().second)) continue;
        double value = series.points.back().second;
        ContainerSignals& signal =
            signals[{label_of(series.labels, "namespace"), label_of(series.labels, "pod"),
                     label_of(series.labels, "container")}];
        if (kind == 0) signal.restarts = value;
        if (kind == 1) signal.oom_killed = value > 0;
        if (kind == 2 && value > 0) {
          signal.memory_limit_bytes = std::max(value, signal.memory_limit_bytes.value_or(0));
        }
        if (kind == 3) signal.throttled_fraction = value;
      }
    }
  }
  std::map<std::pair<std::string, std::string>, std::uint32_t> pod_index;
  for (std::size_t i = 0; i < load_.samples.pods().size(); ++i) {
    const PodRecord& pod = load_.samples.pods()[i];
    pod_index[{pod.namespace_name, pod.name}] = static_cast<std::uint32_t>(i);
  }
  for (auto& [key, signal] : signals) {
    const auto& [ns, pod, container] = key;
    auto found = pod_index.find({ns, pod});
    if (found == pod_index.end()) continue;  // a pod without usage samples
    signal.pod = found->second;
    signal.container = container;
    if (signal.restarts > 0 || signal.oom_killed) {
      // One event per restarted container of a pod, as --live gives.
      load_.events.push_back(
          ContainerEvent{ns, pod, container, 0, signal.oom_killed ? "OOMKilled" : "",
                         static_cast<int>(signal.restarts), signal.memory_limit_bytes});
    }
    load_.signals.push_back(std::move(signal));
  }
}

}  // namespace

Result<PrometheusRange> prometheus_range(const PrometheusQueryOptions& options,
                                         std::int64_t now_ns) {
  auto step_ns = static_cast<std::int64_t>(std::llround(options.step_seconds * 1e9));
  if (step_ns < 1'000'000 || options.history_seconds < options.step_seconds) {
    return fail("--step must be at least 1ms and --history at least one step");
  }
  PrometheusRange range;
  range.step_ns = step_ns;
  range.end_ns = options.end_ns != 0 ? options.end_ns : now_ns - now_ns % step_ns;
  auto steps = static_cast<std::int64_t>(options.history_seconds * 1e9) / step_ns;
  range.start_ns = range.end_ns - steps * step_ns;
  return range;
}

namespace {

Result<PrometheusLoad> Loader::run() {
  PODFIT_TRY_ASSIGN(range, prometheus_range(options_, now_ns()));
  step_ns_ = range.step_ns;
  start_ns_ = range.start_ns;
  end_ns_ = range.end_ns;
  gap_limit_ns_ = std::max<std::int64_t>(5 * step_ns_, 900'000'000'000LL);
  rate_window_ = options_.rate_window_seconds > 0 ? options_.rate_window_seconds
                                                  : std::max(options_.step_seconds, 120.0);

  std::unique_ptr<PrometheusApi> api = make_api_();
  PODFIT_TRY_ASSIGN(found, discover(*api));
  discovery_ = std::move(found);
  if (discovery_.containers.empty()) {
    return fail(api->base_url() + ": no " + kCpuMetric + " or " + kMemoryMetric +
                " series with container labels between " + seconds_text(start_ns_) + " and " +
                seconds_text(end_ns_) + " (check --prometheus-label and the time range)");
  }
  std::map<std::pair<std::string, std::string>, std::size_t> containers_of_pod;
  for (const auto& [key, presence] : discovery_.containers) {
    const auto& [ns, pod, container] = key;
    ++containers_of_pod[{ns, pod}];
    if (!presence.cpu || !presence.memory) {
      warn(ns + "/" + pod + ": container \"" + container + "\": no " +
           (presence.cpu ? kMemoryMetric : kCpuMetric) + " series (left out)");
    }
  }
  for (const auto& [pod, count] : containers_of_pod) {
    pods_.push_back(
        PodSeriesCount{pod.first, pod.second, count, static_cast<std::uint32_t>(pods_.size())});
  }
  std::vector<QueryChunk> chunks = plan_queries(pods_, start_ns_, end_ns_, options_);
  queries_total_ = chunks.size();

  std::atomic<std::size_t> next{0};
  auto work = [&](PrometheusApi& worker_api) {
    for (std::size_t i = next++; i < chunks.size(); i = next++) read_chunk(worker_api, chunks[i]);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::max(1u, options_.concurrency); ++t) {
    threads.emplace_back([&] {
      auto worker_api = make_api_();
      work(*worker_api);
    });
  }
  work(*api);
  for (auto& thread : threads) thread.join();
  if (options_.every_points) options_.every_points(load_.samples);

  read_signals(*api, chunks);
  for (std::size_t i = 0; i < load_.samples.pods().size(); ++i) {
    const PodRecord& pod = load_.samples.pods()[i];
    auto key = std::make_pair(pod.namespace_name, pod.name);
    if (auto labels = discovery_.pod_labels.find(key); labels != discovery_.pod_labels.end()) {
      load_.samples.intern_pod(pod.namespace_name, pod.name, &labels->second);
    }
    if (auto owner = discovery_.owners.find(key); owner != discovery_.owners.end()) {
      load_.owner_of_pod[static_cast<std::uint32_t>(i)] = owner->second;
    }
  }
  load_.samples.finalize();
  report_gaps();
  return std::move(load_);
}

}  // namespace

Result<PrometheusLoad> load_from_prometheus(const PrometheusApiFactory& make_api,
                                            const PrometheusQueryOptions& options) {
  Loader loader(make_api, options);
  return loader.run();
}

}  // namespace podfit::source

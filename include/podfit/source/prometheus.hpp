// Prometheus as a history source: per-container CPU (rate of the cAdvisor
// counter) and memory (working set) over days, read with bounded
// POST /api/v1/query_range queries, into the same SampleSet the recorded
// metrics-server samples fill. See docs/prometheus.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "podfit/core/container_event.hpp"
#include "podfit/core/error.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/net/retry.hpp"
#include "podfit/source/recorded.hpp"

namespace podfit::source {

struct PrometheusReply {
  long status = 0;
  std::string body;
};

// One form-encoded POST to the server. An error means no HTTP answer at all;
// its message names the URL. One instance is used by one thread at a time.
class PrometheusApi {
 public:
  virtual ~PrometheusApi() = default;
  // `path` such as "/api/v1/query_range"; `form` already encoded (form_encode).
  virtual Result<PrometheusReply> post_form(const std::string& path, const std::string& form) = 0;
  // "http://host:9090", for messages.
  virtual std::string base_url() const = 0;
};

// Makes one API per worker thread.
using PrometheusApiFactory = std::function<std::unique_ptr<PrometheusApi>()>;

// How to reach the server over HTTP(S), for make_prometheus_http_api.
struct PrometheusConnection {
  std::string url;                   // "http://127.0.0.1:9090" (a path prefix is kept)
  std::string bearer_token;          // Authorization: Bearer
  std::string basic_auth;            // "user:password"
  std::vector<std::string> headers;  // extra "Name: value" headers
  std::string ca_file;
  bool insecure_skip_verify = false;
  double timeout_seconds = 120;
  // Ask for gzip answers: 3-4x fewer bytes on a slow link, but compressing costs
  // Prometheus about 5x the CPU time of the query itself (docs/prometheus.md).
  bool gzip = false;
};

// The libcurl transport of the kube module behind PrometheusApi.
PrometheusApiFactory make_prometheus_http_api(const PrometheusConnection& connection);

struct PrometheusProgress {
  std::size_t queries_done = 0;
  std::size_t queries_total = 0;
  std::size_t bytes_received = 0;
};

struct PrometheusQueryOptions {
  std::int64_t end_ns = 0;  // 0: now, rounded down to a whole step
  double history_seconds = 14 * 86400.0;
  double step_seconds = 60;
  double rate_window_seconds = 0;  // 0: max(step, 2m)
  // Label matchers added to every selector (--prometheus-label cluster=prod).
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> namespaces;  // empty: every namespace
  // Bounds on one query: series x points, which sets the response size
  // (about 35 bytes a point), and Prometheus' own 11,000 points per series.
  std::size_t max_points_per_query = 200'000;
  std::size_t max_points_per_series = 11'000;
  std::size_t max_selector_bytes = 4'000;  // pod=~"a|b|..." never grows past this
  unsigned concurrency = 2;
  // Connection errors, 429 and 5xx: three attempts (a query is cheap to repeat).
  net::RetryPolicy retry{.max_attempts = 3};
  std::function<void(const PrometheusProgress&)> progress;  // called from one thread at a time
  // Called with the samples read so far, under the lock the workers add points under (so
  // no answer is being added meanwhile): after an answer once kPointsPerCheck points or
  // more were added since the last call, and once after the last answer. A reader that
  // folds long series (history::load_prometheus) keeps its memory bounded so. Each
  // container has one point per step; the time chunks of a series come in any order.
  PointsHook every_points;
};

// The first and last step a query reads: end_ns, or now rounded down to a whole step,
// and whole steps back over history_seconds. Fails on a step under 1 ms or a history
// shorter than one step.
struct PrometheusRange {
  std::int64_t step_ns = 0;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
};
Result<PrometheusRange> prometheus_range(const PrometheusQueryOptions& options,
                                         std::int64_t now_ns);

struct PrometheusQueryStats {
  std::size_t queries = 0;  // every POST, discovery included
  std::size_t bytes_total = 0;
  std::size_t bytes_max = 0;  // the largest single response body
  std::size_t retries = 0;
};

// What kube-state-metrics and the cAdvisor throttling counters say, when present.
// Restarts and OOM kills also become PrometheusLoad::events (an OOM-killed container's
// memory is raised above the limit it was killed at); throttling is only reported.
struct ContainerSignals {
  std::uint32_t pod = 0;  // index into samples.pods()
  std::string container;
  double restarts = 0;                       // the highest restart count seen in the history
  bool oom_killed = false;                   // last terminated reason OOMKilled at some point
  std::optional<double> memory_limit_bytes;  // the highest memory limit seen in the history
  std::optional<double> throttled_fraction;  // throttled periods / periods over the history
};

struct PrometheusLoad {
  SampleSet samples;  // finalized; without the points every_points took out of it
  std::map<std::uint32_t, WorkloadRef> owner_of_pod;  // from kube_pod_owner, when present
  std::vector<ContainerSignals> signals;
  std::vector<ContainerEvent> events;  // the signals' restarts and OOM kills (time unknown: 0)
  std::vector<std::string> warnings;   // one line each, naming the pod/container or query
  std::size_t problems = 0;            // queries that failed, containers with missing data
  PrometheusQueryStats stats;
};

// Discovers the containers, plans bounded queries, runs them with at most
// `concurrency` in flight and joins CPU and memory per step. Fails only when
// nothing can be read (server unreachable, rejected discovery, no series).
Result<PrometheusLoad> load_from_prometheus(const PrometheusApiFactory& make_api,
                                            const PrometheusQueryOptions& options);

// "14d", "1.5d", or a Go duration ("12h", "1m", "90s"); positive.
Result<double> parse_history_seconds(std::string_view text);

// ---- The pieces, exposed for tests ----

// application/x-www-form-urlencoded.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// A literal for a PromQL regex inside a double-quoted string ("a.b" -> "a\\\\.b").
std::string promql_regex_literal(std::string_view text);
// A PromQL double-quoted string literal.
std::string promql_string(std::string_view text);
// How kube-state-metrics writes a Kubernetes label key: label_ + [a-zA-Z0-9_].
std::string prometheus_label_name(std::string_view key);

struct PodSeriesCount {
  std::string namespace_name;
  std::string pod;
  std::size_t containers = 1;
  std::uint32_t index = 0;  // the caller's own number for the pod, returned in QueryChunk::pods
};

// One unit of work: the same selector over one time chunk, for every metric.
struct QueryChunk {
  std::string selector;  // matchers inside {...}, without the braces
  std::size_t series = 0;
  std::vector<std::uint32_t> pods;  // PodSeriesCount::index of the pods it covers
  std::int64_t start_ns = 0;        // first step
  std::int64_t end_ns = 0;          // last step (inclusive)
};

// Splits the pods into selectors (a whole namespace when it fits, else
// namespace="x",pod=~"a|b" batches) and the history into step-aligned chunks,
// so that series x points of each chunk stays within the options' bounds.
std::vector<QueryChunk> plan_queries(const std::vector<PodSeriesCount>& pods, std::int64_t start_ns,
                                     std::int64_t end_ns, const PrometheusQueryOptions& options);

// One series of a matrix (or vector) result.
struct MatrixSeries {
  std::map<std::string, std::string> labels;
  std::vector<std::pair<std::int64_t, double>> points;  // (time ns, value)
};

// Parses a /api/v1/query_range or /api/v1/query answer. A status other than
// "success" or a malformed body is an error carrying Prometheus' errorType and error.
Result<std::vector<MatrixSeries>> parse_query_response(std::string_view body);
// Parses a /api/v1/series answer: the label sets.
Result<std::vector<std::map<std::string, std::string>>> parse_series_response(
    std::string_view body);

}  // namespace podfit::source

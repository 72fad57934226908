// load_prometheus folds long series into sketches as the answers come in (docs/scale.md):
// against a scripted Prometheus whose values the test computes itself (answers out of
// time order on several workers, a fold between them), and against a real Prometheus
// (numpy's percentiles of the recorded trace, the unfolded read, `recommend`'s report).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <numbers>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "history/recorded_compactor.hpp"
#include "podfit/history/history.hpp"
#include "podfit/history/load.hpp"
#include "podfit/quantity/quantity.hpp"
#include "podfit/source/prometheus.hpp"
#include "podfit/stats/summary.hpp"
#include "source/prometheus_server.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

namespace stats = podfit::stats;

struct Loaded {
  history::History history;
  std::vector<stats::ContainerStats> stats;
  std::string diagnostics;
};

Loaded load_from(const source::PrometheusApiFactory& api,
                 const source::PrometheusQueryOptions& options, std::size_t exact_points,
                 double half_life_seconds = 0) {
  std::ostringstream diagnostics;
  history::RecordedOptions fold;
  fold.exact_points = exact_points;
  fold.half_life_seconds = half_life_seconds;
  auto loaded = history::load_prometheus(api, options, "http://prom.test", diagnostics, fold);
  INFO(diagnostics.str());
  REQUIRE(loaded);
  Loaded result{std::move(*loaded), {}, diagnostics.str()};
  history::attribute(result.history, {});
  const history::History& h = result.history;
  result.stats = stats::compute_history_stats(h.samples, h.sketches, h.workload_of_pod,
                                              half_life_seconds, h.compacted);
  return result;
}

std::string key_of(const stats::ContainerStats& stats) {
  return stats.workload.namespace_name + "/" + stats.workload.name + "/" + stats.container;
}

// Everything but the percentiles is exact: equal to the unfolded statistics (the trend
// and mean up to float rounding; with decay a folded hour weighs what its midpoint would).
void check_exact_parts(const stats::ContainerStats& folded, const stats::ContainerStats& raw,
                       bool decayed = false) {
  INFO(key_of(raw));
  CHECK(folded.samples == raw.samples);
  CHECK(folded.cpu.count == raw.cpu.count);
  CHECK(folded.pods == raw.pods);
  CHECK(folded.cpu.max == raw.cpu.max);
  CHECK(folded.memory.max == raw.memory.max);
  double mean_error = decayed ? 1e-3 : 1e-10;
  CHECK(folded.cpu.mean == Approx(raw.cpu.mean).epsilon(mean_error));
  CHECK(folded.memory.mean == Approx(raw.memory.mean).epsilon(mean_error));
  CHECK(folded.window_seconds == raw.window_seconds);
  // Pods are numbered as their first answer comes in, which on several workers varies
  // from one read to the next: the same peaks, maybe in another order.
  auto sorted = [](std::vector<double> peaks) {
    std::sort(peaks.begin(), peaks.end());
    return peaks;
  };
  CHECK(sorted(folded.pod_cpu_peaks) == sorted(raw.pod_cpu_peaks));
  CHECK(sorted(folded.pod_memory_peaks) == sorted(raw.pod_memory_peaks));
  CHECK(folded.max_concurrent_pods == raw.max_concurrent_pods);
  CHECK(folded.longest_pod_seconds == raw.longest_pod_seconds);
  CHECK(folded.memory_growth_per_second == Approx(raw.memory_growth_per_second).epsilon(1e-9));
}

// ---- A scripted Prometheus: 3 workloads x 2 pods, 14 days at one minute ----

constexpr std::int64_t kEndSeconds = 1'724'457'600;  // 2024-08-24T00:00:00Z
constexpr std::int64_t kSteps = 14 * 1440;           // the answers hold kSteps + 1 points
constexpr std::int64_t kStartSeconds = kEndSeconds - kSteps * 60;
// Deployment pods (a pod-template hash and suffix podfit recognises), in name order.
const std::vector<std::string> kPods = {"api-7d9f8b6c5d-mnp4r", "api-7d9f8b6c5d-xkz2q",
                                        "db-5c8d9f7b6d-qrs2t",  "db-5c8d9f7b6d-vwx9z",
                                        "web-6b7c8d9f5d-bcd2f", "web-6b7c8d9f5d-ghj4k"};
// Steps (inclusive) missing from both metrics of kPods[3]: one across the boundary of two
// time chunks (1,000 steps each), one inside a chunk.
const std::vector<std::pair<std::int64_t, std::int64_t>> kHoles = {{1990, 2030}, {5000, 5100}};

bool missing(std::size_t pod, std::int64_t step) {
  if (pod != 3) return false;
  for (const auto& [first, last] : kHoles) {
    if (step >= first && step <= last) return true;
  }
  return false;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double unit(std::size_t pod, std::int64_t step, std::uint64_t salt) {
  return static_cast<double>(
             mix(pod * 1'000'003ULL + static_cast<std::uint64_t>(step) * 7 + salt) >> 11) /
         9007199254740992.0;
}

// The text Prometheus would send for a value: what the test and the loader both read.
std::string value_text(std::size_t pod, std::int64_t step, bool cpu) {
  char text[64];
  if (cpu) {
    // A daily cycle and bursts: cores with four decimals.
    double day = std::sin(static_cast<double>(step) * 2 * std::numbers::pi / 1440);
    double burst = unit(pod, step, 1) < 0.03 ? 1.5 : 0;
    std::snprintf(text, sizeof text, "%.4f",
                  0.1 + 0.05 * static_cast<double>(pod) + 0.08 * (1 + day) +
                      0.3 * unit(pod, step, 2) + burst);
  } else {
    // api leaks (rises over the days), the others are noisy around a level.
    double leak = pod < 2 ? 4000.0 * static_cast<double>(step) : 0;
    std::snprintf(text, sizeof text, "%.0f",
                  2e8 + 3e7 * static_cast<double>(pod) + leak + 5e7 * unit(pod, step, 3));
  }
  return text;
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> decode_form(const std::string& form) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start <= form.size()) {
    std::size_t end = form.find('&', start);
    if (end == std::string::npos) end = form.size();
    std::string pair = form.substr(start, end - start);
    std::size_t eq = pair.find('=');
    fields[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

// The pods a query's selector names (pod=~"a|b"), or all of them.
std::vector<std::size_t> pods_of(const std::string& query) {
  std::vector<std::size_t> pods;
  std::size_t at = query.find("pod=~\"");
  std::string names = at == std::string::npos
                          ? ""
                          : "|" + query.substr(at + 6, query.find('"', at + 6) - at - 6) + "|";
  for (std::size_t i = 0; i < kPods.size(); ++i) {
    if (names.empty() || names.find("|" + kPods[i] + "|") != std::string::npos) pods.push_back(i);
  }
  return pods;
}

// Answers every query; holds back the CPU answer of the first pod's second time chunk
// until every other range query was answered, so that its points come after the rest of
// their series has been folded (on 3 workers: the chunks of a series out of time order).
class ScriptedPrometheus {
 public:
  source::PrometheusApiFactory factory() {
    return [this] { return std::make_unique<Api>(*this); };
  }
  std::size_t range_queries() const { return answered_; }

 private:
  class Api : public source::PrometheusApi {
   public:
    explicit Api(ScriptedPrometheus& server) : server_(server) {}
    Result<source::PrometheusReply> post_form(const std::string& path,
                                              const std::string& form) override {
      return server_.answer(path, decode_form(form));
    }
    std::string base_url() const override { return "http://prom.test"; }

   private:
    ScriptedPrometheus& server_;
  };

  static source::PrometheusReply reply(const nlohmann::json& data) {
    return {200, nlohmann::json{{"status", "success"}, {"data", data}}.dump()};
  }

  Result<source::PrometheusReply> answer(const std::string& path,
                                         const std::map<std::string, std::string>& form) {
    if (path == "/api/v1/series") {
      nlohmann::json all = nlohmann::json::array();
      for (const std::string& pod : kPods) {
        for (const char* metric :
             {"container_cpu_usage_seconds_total", "container_memory_working_set_bytes"}) {
          all.push_back(
              {{"__name__", metric}, {"namespace", "shop"}, {"pod", pod}, {"container", "app"}});
        }
      }
      return reply(all);
    }
    if (path == "/api/v1/query") {
      return reply({{"resultType", "vector"}, {"result", nlohmann::json::array()}});
    }
    const std::string& query = form.at("query");
    bool cpu = query.rfind("rate(", 0) == 0;
    auto first = (std::stoll(form.at("start")) - kStartSeconds) / 60;
    auto last = (std::stoll(form.at("end")) - kStartSeconds) / 60;
    std::vector<std::size_t> pods = pods_of(query);
    if (cpu && first == 1000 && pods.front() == 0) {
      std::unique_lock lock(mutex_);
      // 21 time chunks x 3 selectors, two queries each: all but this chunk's two.
      changed_.wait_for(lock, std::chrono::seconds(20), [this] { return answered_ >= 124; });
    }
    nlohmann::json result = nlohmann::json::array();
    for (std::size_t pod : pods) {
      nlohmann::json values = nlohmann::json::array();
      for (std::int64_t step = first; step <= last; ++step) {
        if (missing(pod, step)) continue;
        values.push_back({kStartSeconds + step * 60, value_text(pod, step, cpu)});
      }
      result.push_back(
          {{"metric", {{"namespace", "shop"}, {"pod", kPods[pod]}, {"container", "app"}}},
           {"values", values}});
    }
    source::PrometheusReply done = reply({{"resultType", "matrix"}, {"result", result}});
    {
      std::lock_guard lock(mutex_);
      ++answered_;
    }
    changed_.notify_all();
    return done;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t answered_ = 0;
};

source::PrometheusQueryOptions scripted_options() {
  source::PrometheusQueryOptions options;
  options.end_ns = kEndSeconds * 1'000'000'000LL;
  options.history_seconds = 14 * 86400.0;
  options.step_seconds = 60;
  options.max_points_per_series = 1000;  // 21 time chunks
  options.max_points_per_query = 2000;   // 2 pods a selector: 3 selectors
  options.concurrency = 3;
  return options;
}

// What the scripted server holds, per workload: the values the loader reads.
struct Expected {
  std::vector<double> cpu, memory;
};

std::map<std::string, Expected> expected_values() {
  std::map<std::string, Expected> by_workload;
  for (std::size_t pod = 0; pod < kPods.size(); ++pod) {
    std::string workload = kPods[pod].substr(0, kPods[pod].find('-'));
    Expected& values = by_workload["shop/" + workload + "/app"];
    for (std::int64_t step = 0; step <= kSteps; ++step) {
      if (missing(pod, step)) continue;
      values.cpu.push_back(std::stod(value_text(pod, step, true)));
      values.memory.push_back(std::stod(value_text(pod, step, false)));
    }
  }
  return by_workload;
}

// numpy's percentile(method="lower"): the sorted value at floor(q / 100 * (n - 1)).
double lower_percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  auto rank =
      static_cast<std::size_t>(std::floor(q / 100 * static_cast<double>(values.size() - 1)));
  return values[rank];
}

std::set<std::string> warning_lines(const std::string& diagnostics) {
  std::set<std::string> lines;
  std::istringstream in(diagnostics);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("podfit: warning: ", 0) == 0) lines.insert(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("load_prometheus folds long series as answers come in, out of time order",
          "[history][prometheus]") {
  ScriptedPrometheus folded_server, raw_server;
  Loaded folded =
      load_from(folded_server.factory(), scripted_options(), history::kExactPointsPerSeries);
  Loaded raw = load_from(raw_server.factory(), scripted_options(), 0);
  CHECK(folded_server.range_queries() == 126);  // the held answer came, last

  CHECK(folded.history.samples.point_count() == 0);  // every series was folded
  CHECK(folded.history.compacted.size() == kPods.size());
  CHECK(folded.history.sketches.size() == kPods.size());  // one per series without decay
  CHECK(raw.history.compacted.empty());
  CHECK(raw.history.sketches.empty());
  CHECK(raw.history.samples.point_count() == 6 * (kSteps + 1) - 41 - 101);
  // The gaps of kPods[3] are reported from the answers, whether or not their points stay.
  const std::string gap_warning = "podfit: warning: shop/" + kPods[3] +
                                  ": container \"app\": 2 gaps in the history, the longest 101 min";
  CHECK(warning_lines(folded.diagnostics) == std::set<std::string>{gap_warning});
  CHECK(warning_lines(raw.diagnostics) == std::set<std::string>{gap_warning});

  const std::map<std::string, Expected> want = expected_values();
  REQUIRE(folded.stats.size() == want.size());
  REQUIRE(raw.stats.size() == want.size());
  const double quantiles[] = {50, 90, 95, 99};
  for (std::size_t i = 0; i < raw.stats.size(); ++i) {
    const stats::ContainerStats& got = folded.stats[i];
    REQUIRE(key_of(got) == key_of(raw.stats[i]));
    CHECK(got.sketched);
    CHECK_FALSE(raw.stats[i].sketched);
    check_exact_parts(got, raw.stats[i]);
    const Expected& values = want.at(key_of(got));
    for (const auto& [name, summary, column] :
         {std::tuple{"cpu", &got.cpu, &values.cpu}, {"memory", &got.memory, &values.memory}}) {
      INFO(key_of(got) << " " << name);
      CHECK(summary->count == column->size());
      CHECK(summary->max == *std::max_element(column->begin(), column->end()));
      double sum = 0;
      for (double value : *column) sum += value;
      CHECK(summary->mean == Approx(sum / static_cast<double>(column->size())).epsilon(1e-10));
      double p[] = {summary->p50, summary->p90, summary->p95, summary->p99};
      for (int q = 0; q < 4; ++q) {
        INFO("p" << quantiles[q]);
        double lower = lower_percentile(*column, quantiles[q]);
        CHECK(std::abs(p[q] - lower) <= 0.01 * lower);
      }
    }
  }
  // The api workload's leak survives the folding (its trend is exact).
  CHECK(folded.stats[0].workload.name == "api");
  CHECK(folded.stats[0].memory_growth_per_second > 0);

  SECTION("with decay: one sketch a series, each hour weighed by its age") {
    const double half_life = 3 * 86400.0;
    ScriptedPrometheus decay_server, decay_raw_server;
    Loaded hours = load_from(decay_server.factory(), scripted_options(),
                             history::kExactPointsPerSeries, half_life);
    Loaded exact = load_from(decay_raw_server.factory(), scripted_options(), 0, half_life);
    CHECK(hours.history.samples.point_count() == 0);
    REQUIRE(hours.history.sketches.size() == kPods.size());
    for (const HourSketch& sketch : hours.history.sketches) {
      REQUIRE(sketch.decay);
      // 14 days from midnight to midnight: every step of its series, hours in any order.
      bool gaps = hours.history.samples.pods()[sketch.pod].name == kPods[3];
      CHECK(sketch.cpu.count() == static_cast<std::uint64_t>(gaps ? kSteps + 1 - 142 : kSteps + 1));
    }
    REQUIRE(hours.stats.size() == exact.stats.size());
    for (std::size_t i = 0; i < exact.stats.size(); ++i) {
      CHECK(hours.stats[i].sketched);
      check_exact_parts(hours.stats[i], exact.stats[i], true);
      CHECK(hours.stats[i].effective_samples ==
            Approx(exact.stats[i].effective_samples).epsilon(0.02));
      CHECK(hours.stats[i].memory.p95 == Approx(exact.stats[i].memory.p95).epsilon(0.03));
    }
  }
}

TEST_CASE("folding between Prometheus answers leaves no series holding a big buffer",
          "[history][prometheus]") {
  // What load_prometheus does, with a look at the samples after each fold: a folded
  // series gave back its points' memory, an unfolded one holds at most the threshold.
  history::detail::RecordedCompactor compactor(history::kExactPointsPerSeries, 0,
                                               history::detail::Repeats::never);
  std::size_t checks = 0, most_capacity = 0, most_points = 0;
  source::PrometheusQueryOptions options = scripted_options();
  options.every_points = [&](SampleSet& samples) {
    compactor.check(samples);
    ++checks;
    for (const ContainerSeries& series : samples.series()) {
      most_capacity = std::max(most_capacity, series.points.capacity());
      most_points = std::max(most_points, series.points.size());
    }
  };
  ScriptedPrometheus server;
  auto load = source::load_from_prometheus(server.factory(), options);
  REQUIRE(load);
  CHECK(checks >= 2);  // 120,824 points: once on the way (every 65,536), once at the end
  CHECK(most_points <= history::kExactPointsPerSeries);
  // Right after a fold: a folded series holds no buffer, an unfolded one at most 2,000
  // points in a vector grown by doubling (a kept buffer would be 16,384 or more).
  CHECK(most_capacity <= 2048);
  history::History folded;
  folded.samples = std::move(load->samples);
  compactor.finish(folded);
  CHECK(folded.samples.point_count() == 0);
  CHECK(folded.compacted.size() == kPods.size());
}

TEST_CASE("load_prometheus keeps a short history exact, as before", "[history][prometheus]") {
  source::PrometheusQueryOptions options = scripted_options();
  options.history_seconds = 6 * 3600;  // 361 points a series: under the threshold
  ScriptedPrometheus streamed_server, raw_server;
  Loaded streamed = load_from(streamed_server.factory(), options, history::kExactPointsPerSeries);
  Loaded raw = load_from(raw_server.factory(), options, 0);
  CHECK(streamed.history.compacted.empty());
  CHECK(streamed.history.sketches.empty());
  REQUIRE(streamed.history.samples.series().size() == kPods.size());
  std::map<std::string, const ContainerSeries*> raw_series;
  for (const ContainerSeries& series : raw.history.samples.series()) {
    raw_series[raw.history.samples.pods()[series.pod].name] = &series;
  }
  for (const ContainerSeries& series : streamed.history.samples.series()) {
    const std::string& pod = streamed.history.samples.pods()[series.pod].name;
    INFO(pod);
    REQUIRE(raw_series.count(pod) == 1);
    CHECK(series.points.size() == 361);
    REQUIRE(series.points.size() == raw_series[pod]->points.size());
    for (std::size_t i = 0; i < series.points.size(); ++i) {
      CHECK(series.points[i].time_ns == raw_series[pod]->points[i].time_ns);
      CHECK(series.points[i].cpu_cores == raw_series[pod]->points[i].cpu_cores);
      CHECK(series.points[i].memory_bytes == raw_series[pod]->points[i].memory_bytes);
    }
  }
  // The statistics podfit computed before folding existed, over those raw points.
  std::vector<stats::ContainerStats> before =
      stats::compute_container_stats(streamed.history.samples, streamed.history.workload_of_pod);
  REQUIRE(streamed.stats.size() == before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    const stats::ContainerStats& got = streamed.stats[i];
    const stats::ContainerStats& want = before[i];
    INFO(key_of(want));
    CHECK_FALSE(got.sketched);
    CHECK(got.samples == want.samples);
    CHECK(got.window_seconds == want.window_seconds);
    for (const auto& [a, b] : {std::pair{&got.cpu, &want.cpu}, {&got.memory, &want.memory}}) {
      CHECK(a->mean == b->mean);
      CHECK(a->p50 == b->p50);
      CHECK(a->p90 == b->p90);
      CHECK(a->p95 == b->p95);
      CHECK(a->p99 == b->p99);
      CHECK(a->max == b->max);
    }
    CHECK(got.memory_growth_per_second == want.memory_growth_per_second);
    CHECK(got.pod_memory_peaks == want.pod_memory_peaks);
    CHECK(got.pod_cpu_peaks == want.pod_cpu_peaks);
  }
}

// ---- Against a real Prometheus ----

namespace {

// Three days at one minute, two pods per workload, a restart each (streaming_test.cpp's
// trace): 4,320 polls.
constexpr const char* kLongTrace =
    "--families leak,diurnal,bursty --workloads 3 --pods-per-workload 2 --restarts 1 "
    "--duration 3d --interval 60 --seed 7";
// Its last poll (2024-08-23T10:00:00Z + 4,319 min).
constexpr std::int64_t kLongTraceEndNs = (1'724'407'200LL + 4319 * 60) * 1'000'000'000LL;

source::PrometheusQueryOptions long_trace_options() {
  source::PrometheusQueryOptions options;
  options.end_ns = kLongTraceEndNs;
  options.history_seconds = 3 * 86400.0;
  options.step_seconds = 60;
  options.rate_window_seconds = 60;     // the trace's counter grows at the usage over each minute
  options.max_points_per_series = 500;  // 9 time chunks
  options.max_points_per_query = 2000;  // several selectors
  options.concurrency = 3;
  return options;
}

}  // namespace

TEST_CASE("a real Prometheus: a long history folded, within 1 percent of numpy",
          "[history][prometheus]") {
  if (!prometheus_installed()) FAIL("prometheus and promtool are not installed (scripts/setup.sh)");
  TempDir dir;
  write_trace_pair(dir, kLongTrace);
  PrometheusServer server(dir / "trace.om");
  source::PrometheusConnection connection;
  connection.url = server.url();
  auto api = source::make_prometheus_http_api(connection);
  Loaded folded = load_from(api, long_trace_options(), 300);  // every series folds
  Loaded raw = load_from(api, long_trace_options(), 0);
  CHECK(warning_lines(folded.diagnostics).empty());
  CHECK(folded.history.samples.point_count() == 0);
  CHECK(folded.history.compacted.size() == raw.history.samples.series().size());
  REQUIRE(folded.stats.size() == 3);
  REQUIRE(raw.stats.size() == 3);

  // numpy over the recording Prometheus was filled from (snapped to the minute grid).
  auto reference_run =
      run_command(python() + " " + source_dir() + "/tests/store/reference_percentiles.py " +
                  shell_quote((dir / "trace.jsonl").string()));
  REQUIRE(reference_run.exit_code == 0);
  const nlohmann::json reference = nlohmann::json::parse(reference_run.out);
  const double quantiles[] = {50, 90, 95, 99};
  for (std::size_t i = 0; i < raw.stats.size(); ++i) {
    const stats::ContainerStats& got = folded.stats[i];
    REQUIRE(key_of(got) == key_of(raw.stats[i]));
    CHECK(got.sketched);
    check_exact_parts(got, raw.stats[i]);
    const nlohmann::json& want = reference.at(key_of(got));
    for (const auto& [name, summary] : {std::pair{"cpu", &got.cpu}, {"memory", &got.memory}}) {
      INFO(key_of(got) << " " << name);
      CHECK(summary->count == want[name]["count"].get<std::size_t>());
      // CPU comes back through rate(): equal up to float rounding.
      CHECK(summary->max == Approx(want[name]["max"].get<double>()).epsilon(1e-9).margin(1e-9));
      CHECK(summary->mean == Approx(want[name]["mean"].get<double>()).epsilon(1e-9).margin(1e-9));
      double p[] = {summary->p50, summary->p90, summary->p95, summary->p99};
      for (int q = 0; q < 4; ++q) {
        INFO("p" << quantiles[q]);
        double lower = want[name]["lower"][q].get<double>();
        CHECK(std::abs(p[q] - lower) <= 0.01 * lower + 1e-9);
      }
    }
  }

  // recommend --prometheus folds at the default threshold and says so; backtest folds
  // its train and test parts apart, replaying the same test day as the raw recording.
  std::string from_prometheus = "--prometheus " + server.url() +
                                " --prometheus-end 2024-08-26T09:59:00Z --history 3d --step 1m "
                                "--rate-window 1m";
  auto run = podfit_run("recommend -o json " + from_prometheus);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(run.out);
  const nlohmann::json& entries = report.at("recommendations");
  REQUIRE(entries.size() == 3);
  for (const nlohmann::json& entry : entries) {
    CHECK(entry["sketched"] == true);
    CHECK_THAT(entry["reason"].get<std::string>(), Catch::Contains("percentiles sketched"));
  }
  std::string flags = "backtest -o json --train 2d --test 1d ";
  auto backtest = podfit_run(flags + from_prometheus);
  auto recorded =
      podfit_run(flags + "--samples - < " + shell_quote((dir / "trace.jsonl").string()));
  INFO(backtest.err << recorded.err);
  REQUIRE(backtest.exit_code == 0);
  REQUIRE(recorded.exit_code == 0);
  const nlohmann::json replay = nlohmann::json::parse(backtest.out);
  const nlohmann::json raw_replay = nlohmann::json::parse(recorded.out);
  REQUIRE(replay.at("containers").size() == 3);
  REQUIRE(raw_replay.at("containers").size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const nlohmann::json& got = replay["containers"][i];
    const nlohmann::json& want = raw_replay["containers"][i];
    INFO(got["workload"] << "/" << got["container"]);
    REQUIRE(got["workload"] == want["workload"]);
    CHECK(got["train_samples"].get<double>() >= 0.999 * want["train_samples"].get<double>());
    CHECK(got["test"]["samples"] == want["test"]["samples"]);
    for (const char* section : {"requests", "limits"}) {
      for (const char* name : {"cpu", "memory"}) {
        if (!want["recommended"][section].contains(name)) continue;
        INFO(section << "." << name);
        auto a = quantity::parse(want["recommended"][section][name].get<std::string>());
        auto b = quantity::parse(got["recommended"][section][name].get<std::string>());
        REQUIRE(a);
        REQUIRE(b);
        // The sketch's 1 %, which podfit's choice among tail levels can carry to 3 %, and
        // the rounding to a whole 1m or 1Mi.
        double unit = std::string(name) == "cpu" ? 0.001 : 1024.0 * 1024;
        CHECK(std::abs(b->value() - a->value()) <= 0.03 * a->value() + unit);
      }
    }
  }
}

}  // namespace podfit::test

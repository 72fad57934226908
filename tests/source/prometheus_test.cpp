// Prometheus as a history source: the pieces (encoding, planning, parsing), the
// loader against a scripted API for every failure, and the loader against a
// real Prometheus filled by promtool from a generated trace.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/fake_server.hpp"
#include "podfit/quantity/quantity.hpp"
#include "podfit/source/prometheus.hpp"
#include "podfit/source/recorded.hpp"
#include "source/prometheus_server.hpp"

namespace podfit::test {

namespace {

using source::PrometheusReply;

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

std::multimap<std::string, std::string> decode_form(const std::string& form) {
  std::multimap<std::string, std::string> fields;
  std::size_t start = 0;
  while (start <= form.size()) {
    std::size_t end = form.find('&', start);
    if (end == std::string::npos) end = form.size();
    std::string pair = form.substr(start, end - start);
    std::size_t eq = pair.find('=');
    fields.emplace(url_decode(pair.substr(0, eq)), url_decode(pair.substr(eq + 1)));
    start = end + 1;
  }
  return fields;
}

using Handler = std::function<Result<PrometheusReply>(
    const std::string& path, const std::multimap<std::string, std::string>&)>;

class ScriptedApi : public source::PrometheusApi {
 public:
  explicit ScriptedApi(Handler handler) : handler_(std::move(handler)) {}
  Result<PrometheusReply> post_form(const std::string& path, const std::string& form) override {
    return handler_(path, decode_form(form));
  }
  std::string base_url() const override { return "http://prom.test:9090"; }

 private:
  Handler handler_;
};

source::PrometheusApiFactory scripted(Handler handler) {
  return [handler] { return std::make_unique<ScriptedApi>(handler); };
}

PrometheusReply json_reply(const nlohmann::json& data) {
  return PrometheusReply{200, nlohmann::json{{"status", "success"}, {"data", data}}.dump()};
}

nlohmann::json series_labels(const std::string& metric, const std::string& pod,
                             const std::string& container) {
  return {{"__name__", metric}, {"namespace", "shop"}, {"pod", pod}, {"container", container}};
}

// A matrix with one series per pod for the steps of the request, value = f(step index).
nlohmann::json matrix_for(const std::multimap<std::string, std::string>& form,
                          const std::vector<std::string>& pods, double base) {
  double start = std::stod(form.find("start")->second), end = std::stod(form.find("end")->second);
  nlohmann::json result = nlohmann::json::array();
  for (const auto& pod : pods) {
    nlohmann::json values = nlohmann::json::array();
    for (double t = start; t <= end + 1e-6; t += 60) {
      values.push_back({t, std::to_string(base + (t - start) / 60)});
    }
    result.push_back({{"metric", {{"namespace", "shop"}, {"pod", pod}, {"container", "app"}}},
                      {"values", values}});
  }
  return {{"resultType", "matrix"}, {"result", result}};
}

source::PrometheusQueryOptions small_options() {
  source::PrometheusQueryOptions options;
  options.end_ns = 1'724'428'800LL * 1'000'000'000;
  options.history_seconds = 3600;
  options.step_seconds = 60;
  options.concurrency = 1;
  return options;
}

bool is_cpu(const std::multimap<std::string, std::string>& form) {
  return form.find("query")->second.find("rate(") != std::string::npos;
}

}  // namespace

TEST_CASE("form encoding, PromQL literals and label names", "[prometheus]") {
  CHECK(source::form_encode({{"query", "a{b=\"c d\"}[5m]"}, {"match[]", "x&y"}}) ==
        "query=a%7Bb%3D%22c+d%22%7D%5B5m%5D&match%5B%5D=x%26y");
  CHECK(source::promql_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  // In a PromQL string, a regex backslash is written twice.
  CHECK(source::promql_regex_literal("web-1.x") == "web-1\\\\.x");
  CHECK(source::prometheus_label_name("app.kubernetes.io/name") == "label_app_kubernetes_io_name");
}

TEST_CASE("plans keep every query within its bounds and cover every pod once", "[prometheus]") {
  std::vector<source::PodSeriesCount> pods;
  // A big namespace (150 pods x 2 containers), and 40 small ones with one pod each.
  for (std::uint32_t i = 0; i < 150; ++i) {
    pods.push_back({"big", "api-7d9f8b6c5d-" + std::to_string(10000 + i), 2, i});
  }
  for (std::uint32_t i = 0; i < 40; ++i) {
    pods.push_back({"team-" + std::to_string(i), "solo-0", 1, 150 + i});
  }
  source::PrometheusQueryOptions options;
  options.step_seconds = 60;
  options.max_points_per_query = 50'000;
  options.max_points_per_series = 11'000;
  options.max_selector_bytes = 600;
  const std::int64_t step = 60'000'000'000LL, start = 1'700'000'000LL * 1'000'000'000;
  const std::int64_t steps = 14 * 1440 + 1;  // 14 days, both ends included
  auto chunks = source::plan_queries(pods, start, start + (steps - 1) * step, options);
  REQUIRE(!chunks.empty());

  std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> ranges;
  std::map<std::uint32_t, std::set<std::string>> selectors_of_pod;
  for (const auto& chunk : chunks) {
    std::int64_t points = (chunk.end_ns - chunk.start_ns) / step + 1;
    CHECK(points <= 11'000);
    CHECK(static_cast<std::size_t>(points) * chunk.series <= 50'000);
    CHECK(chunk.selector.size() <= 600 + 40);  // the pod list, plus namespace="..",pod=~".."
    CHECK(chunk.selector.find("pod=~\"") == chunk.selector.rfind("pod=~\""));
    ranges[chunk.selector].push_back({chunk.start_ns, chunk.end_ns});
    for (auto pod : chunk.pods) selectors_of_pod[pod].insert(chunk.selector);
  }
  // Every pod under exactly one selector, and each selector's chunks tile the history.
  CHECK(selectors_of_pod.size() == pods.size());
  for (const auto& [pod, selectors] : selectors_of_pod) CHECK(selectors.size() == 1);
  for (auto& [selector, spans] : ranges) {
    std::sort(spans.begin(), spans.end());
    CHECK(spans.front().first == start);
    CHECK(spans.back().second == start + (steps - 1) * step);
    for (std::size_t i = 1; i < spans.size(); ++i)
      CHECK(spans[i].first == spans[i - 1].second + step);
  }
  // Small namespaces share selectors instead of one query each.
  std::size_t small_selectors = 0;
  for (const auto& [selector, spans] : ranges)
    small_selectors += selector.find("team-") != std::string::npos;
  CHECK(small_selectors < 40);
  CHECK(small_selectors >= 2);  // 40 series x 11,000 points do not fit in 50,000
}

TEST_CASE("Prometheus answers are parsed, and its errors reported", "[prometheus]") {
  auto matrix = source::parse_query_response(
      R"({"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"pod":"a","container":"c"},"values":[[1724407200,"0.25"],[1724407260.5,"NaN"]]}]}})");
  REQUIRE(matrix);
  REQUIRE(matrix->size() == 1);
  CHECK((*matrix)[0].labels.at("pod") == "a");
  REQUIRE((*matrix)[0].points.size() == 2);
  CHECK((*matrix)[0].points[0] ==
        std::pair<std::int64_t, double>(1'724'407'200'000'000'000LL, 0.25));
  CHECK((*matrix)[0].points[1].first == 1'724'407'260'500'000'000LL);
  CHECK(std::isnan((*matrix)[0].points[1].second));

  auto vector = source::parse_query_response(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}})");
  REQUIRE(vector);
  CHECK(std::isinf((*vector)[0].points[0].second));

  auto rejected = source::parse_query_response(
      R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})");
  REQUIRE(!rejected);
  CHECK(rejected.error().message ==
        "Prometheus rejected the query: bad_data: parse error at char 5");

  CHECK(!source::parse_query_response("<html>414 Request-URI Too Large</html>"));
  CHECK(!source::parse_query_response(
      R"({"status":"success","data":{"resultType":"scalar","result":[1,"2"]}})"));
  auto bad_value = source::parse_query_response(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x1"]}]}})");
  REQUIRE(!bad_value);
  CHECK(bad_value.error().message.find("'x1'") != std::string::npos);
}

TEST_CASE("the loader joins CPU and memory per step and reports what is missing", "[prometheus]") {
  int unavailable_left = 1;
  Handler handler = [&](const std::string& path, const auto& form) -> Result<PrometheusReply> {
    if (path == "/api/v1/series") {
      return json_reply(
          {series_labels("container_cpu_usage_seconds_total", "web-7d9f8b6c5d-xkz2q", "app"),
           series_labels("container_memory_working_set_bytes", "web-7d9f8b6c5d-xkz2q", "app"),
           series_labels("container_memory_working_set_bytes", "db-0", "app")});
    }
    if (path == "/api/v1/query")
      return json_reply({{"resultType", "vector"}, {"result", nlohmann::json::array()}});
    if (unavailable_left-- > 0) return PrometheusReply{503, "overloaded"};
    return json_reply(matrix_for(form, {"web-7d9f8b6c5d-xkz2q"}, is_cpu(form) ? 0.5 : 1e6));
  };
  auto load = source::load_from_prometheus(scripted(handler), small_options());
  REQUIRE(load);
  CHECK(load->stats.retries == 1);
  REQUIRE(load->samples.series().size() == 1);
  const auto& points = load->samples.series()[0].points;
  REQUIRE(points.size() == 61);
  CHECK(points[10].cpu_cores == Approx(10.5));
  CHECK(points[10].memory_bytes == Approx(1e6 + 10));
  CHECK(points[10].time_ns - points[0].time_ns == 600'000'000'000LL);
  CHECK(points.back().time_ns == small_options().end_ns);
  REQUIRE(load->warnings.size() == 1);
  CHECK(load->warnings[0] ==
        "shop/db-0: container \"app\": no container_cpu_usage_seconds_total series (left out)");
  CHECK(load->problems == 1);
}

TEST_CASE("series of one container are merged, the highest value winning at each step",
          "[prometheus]") {
  // Two scrape jobs (id a and b) for the same container: b is higher on odd steps and
  // covers only the first half hour; CPU and memory both. No sum, no duplicate points.
  Handler handler = [&](const std::string& path, const auto& form) -> Result<PrometheusReply> {
    if (path == "/api/v1/series") {
      return json_reply(
          {series_labels("container_cpu_usage_seconds_total", "web-7d9f8b6c5d-xkz2q", "app"),
           series_labels("container_memory_working_set_bytes", "web-7d9f8b6c5d-xkz2q", "app")});
    }
    if (path == "/api/v1/query")
      return json_reply({{"resultType", "vector"}, {"result", nlohmann::json::array()}});
    double start = std::stod(form.find("start")->second);
    double scale = is_cpu(form) ? 1 : 1e6;
    nlohmann::json a = nlohmann::json::array(), b = nlohmann::json::array();
    for (int k = 0; k <= 60; ++k) {
      a.push_back({start + 60 * k, std::to_string(scale * 10)});
      if (k <= 30) b.push_back({start + 60 * k, std::to_string(scale * (k % 2 == 1 ? 20 : 5))});
    }
    auto labels = [](const char* id) {
      return nlohmann::json{
          {"namespace", "shop"}, {"pod", "web-7d9f8b6c5d-xkz2q"}, {"container", "app"}, {"id", id}};
    };
    return json_reply(
        {{"resultType", "matrix"},
         {"result",
          {{{"metric", labels("a")}, {"values", a}}, {{"metric", labels("b")}, {"values", b}}}}});
  };
  auto load = source::load_from_prometheus(scripted(handler), small_options());
  REQUIRE(load);
  CHECK(load->warnings.empty());
  REQUIRE(load->samples.series().size() == 1);
  const auto& points = load->samples.series()[0].points;
  REQUIRE(points.size() == 61);
  for (std::size_t k = 0; k < points.size(); ++k) {
    INFO(k);
    double want = k <= 30 && k % 2 == 1 ? 20 : 10;
    CHECK(points[k].cpu_cores == want);
    CHECK(points[k].memory_bytes == want * 1e6);
  }
}

TEST_CASE("a rejected query names the workloads whose history is missing", "[prometheus]") {
  Handler handler = [&](const std::string& path, const auto& form) -> Result<PrometheusReply> {
    if (path == "/api/v1/series") {
      return json_reply(
          {series_labels("container_cpu_usage_seconds_total", "web-7d9f8b6c5d-xkz2q", "app"),
           series_labels("container_memory_working_set_bytes", "web-7d9f8b6c5d-xkz2q", "app")});
    }
    if (path == "/api/v1/query")
      return json_reply({{"resultType", "vector"}, {"result", nlohmann::json::array()}});
    (void)form;
    return PrometheusReply{
        422,
        R"({"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"})"};
  };
  auto load = source::load_from_prometheus(scripted(handler), small_options());
  REQUIRE(load);
  CHECK(load->samples.point_count() == 0);
  REQUIRE(load->warnings.size() == 1);
  const std::string& warning = load->warnings[0];
  CHECK(warning.find("http://prom.test:9090/api/v1/query_range: HTTP 422: Prometheus rejected the "
                     "query: execution: query processing would load too many samples") == 0);
  CHECK(warning.find("history missing for shop/Deployment/web") != std::string::npos);
}

TEST_CASE("discovery failures and empty stores are errors", "[prometheus]") {
  SECTION("no HTTP answer") {
    auto load = source::load_from_prometheus(
        scripted([](const std::string&, const auto&) -> Result<PrometheusReply> {
          return fail("http://prom.test:9090/api/v1/series: Couldn't connect to server");
        }),
        small_options());
    REQUIRE(!load);
    CHECK(load.error().message ==
          "http://prom.test:9090/api/v1/series: Couldn't connect to server");
  }
  SECTION("rejected") {
    auto load = source::load_from_prometheus(
        scripted([](const std::string&, const auto&) -> Result<PrometheusReply> {
          return PrometheusReply{
              400, R"({"status":"error","errorType":"bad_data","error":"1:5: parse error"})"};
        }),
        small_options());
    REQUIRE(!load);
    CHECK(load.error().message ==
          "http://prom.test:9090/api/v1/series: HTTP 400: Prometheus "
          "rejected the query: bad_data: 1:5: parse error");
  }
  SECTION("no series") {
    auto load = source::load_from_prometheus(
        scripted([](const std::string&, const auto&) -> Result<PrometheusReply> {
          return json_reply(nlohmann::json::array());
        }),
        small_options());
    REQUIRE(!load);
    CHECK(
        load.error().message.find("http://prom.test:9090: no container_cpu_usage_seconds_total or "
                                  "container_memory_working_set_bytes series") == 0);
  }
}

// ---- Against a real Prometheus ----

namespace {

constexpr const char* kTrace =
    "--families steady,bursty,diurnal --workloads 3 --pods-per-workload 2 --containers 2 "
    "--duration 6h --interval 60 --seed 11";
// The last poll of kTrace (2024-08-23T10:00:00Z + 359 min), on the minute grid.
constexpr std::int64_t kTraceEndNs = (1'724'407'200LL + 359 * 60) * 1'000'000'000LL;

source::PrometheusQueryOptions trace_options() {
  source::PrometheusQueryOptions options;
  options.end_ns = kTraceEndNs;
  options.history_seconds = 6 * 3600;
  options.step_seconds = 60;
  options.rate_window_seconds = 60;     // the trace's counter grows at the usage over each minute
  options.max_points_per_query = 500;   // forces several selectors
  options.max_points_per_series = 100;  // and time chunks
  return options;
}

std::map<std::tuple<std::string, std::string, std::string>, const ContainerSeries*> by_key(
    const SampleSet& samples) {
  std::map<std::tuple<std::string, std::string, std::string>, const ContainerSeries*> map;
  for (const auto& series : samples.series()) {
    const PodRecord& pod = samples.pods()[series.pod];
    map[{pod.namespace_name, pod.name, series.container}] = &series;
  }
  return map;
}

}  // namespace

TEST_CASE("a real Prometheus gives back the recorded usage, step by step", "[prometheus]") {
  if (!prometheus_installed()) FAIL("prometheus and promtool are not installed (scripts/setup.sh)");
  TempDir dir;
  write_trace_pair(dir, kTrace, "--kube-state-metrics");
  PrometheusServer server(dir / "trace.om");

  SampleSet recorded;
  auto read = source::read_recorded_file((dir / "trace.jsonl").string(), recorded);
  REQUIRE(read);
  recorded.finalize();

  source::PrometheusConnection connection;
  connection.url = server.url();
  source::PrometheusQueryOptions options = trace_options();
  std::size_t progress_calls = 0;
  options.progress = [&](const source::PrometheusProgress& progress) {
    ++progress_calls;
    CHECK(progress.queries_done <= progress.queries_total);
  };
  auto load = source::load_from_prometheus(source::make_prometheus_http_api(connection), options);
  REQUIRE(load);
  INFO(load->warnings.size() << " warnings, first: "
                             << (load->warnings.empty() ? "" : load->warnings[0]));
  CHECK(load->warnings.empty());
  CHECK(load->problems == 0);
  CHECK(progress_calls > 4);  // several chunks
  CHECK(load->stats.bytes_max > 0);

  auto expected = by_key(recorded), got = by_key(load->samples);
  REQUIRE(expected.size() == 12);  // 6 pods x 2 containers
  REQUIRE(got.size() == expected.size());
  for (const auto& [key, want] : expected) {
    INFO(std::get<1>(key) << " " << std::get<2>(key));
    REQUIRE(got.count(key) == 1);
    const auto& have = got[key]->points;
    REQUIRE(have.size() == want->points.size());
    for (std::size_t i = 0; i < have.size(); ++i) {
      CHECK(have[i].time_ns == want->points[i].time_ns);
      CHECK(have[i].cpu_cores == Approx(want->points[i].cpu_cores).margin(1e-9));
      CHECK(have[i].memory_bytes == want->points[i].memory_bytes);
    }
  }
  // kube-state-metrics: labels (as kube-state-metrics names them) and owners.
  for (std::size_t i = 0; i < load->samples.pods().size(); ++i) {
    const PodRecord& pod = load->samples.pods()[i];
    CHECK(pod.labels.count("label_app") == 1);
    REQUIRE(load->owner_of_pod.count(static_cast<std::uint32_t>(i)) == 1);
    CHECK(load->owner_of_pod.at(static_cast<std::uint32_t>(i)).kind == "Deployment");
    CHECK(load->owner_of_pod.at(static_cast<std::uint32_t>(i)).name == pod.labels.at("label_app"));
  }
}

TEST_CASE("a real Prometheus: missing CPU, series gaps and a label that matches nothing",
          "[prometheus]") {
  if (!prometheus_installed()) FAIL("prometheus and promtool are not installed (scripts/setup.sh)");
  TempDir dir;
  write_trace_pair(dir, "--families steady --workloads 2 --duration 6h --interval 60 --seed 5",
                   "--label cluster=prod");
  std::string text = read_file(dir / "trace.jsonl");
  // The pod names are random; take them from the trace and make the faults from the raw file.
  SampleSet recorded;
  REQUIRE(source::read_recorded_file((dir / "trace.jsonl").string(), recorded));
  REQUIRE(recorded.pods().size() == 2);
  std::string first = recorded.pods()[0].name, second = recorded.pods()[1].name;
  auto converted =
      run_command(python() + " " + shell_quote(source_dir() + "/tests/source/prometheus_trace.py") +
                  " " + shell_quote((dir / "raw.jsonl").string()) + " --jsonl " +
                  shell_quote((dir / "faults.jsonl").string()) + " --openmetrics " +
                  shell_quote((dir / "faults.om").string()) + " --label cluster=prod --drop-cpu " +
                  first + " --gap " + second + ":100:159");
  REQUIRE(converted.exit_code == 0);
  PrometheusServer server(dir / "faults.om");
  source::PrometheusConnection connection;
  connection.url = server.url();

  source::PrometheusQueryOptions options = trace_options();
  options.labels = {{"cluster", "prod"}};
  auto load = source::load_from_prometheus(source::make_prometheus_http_api(connection), options);
  REQUIRE(load);
  std::set<std::string> warnings(load->warnings.begin(), load->warnings.end());
  CHECK(warnings.count(
            "default/" + first +
            ": container \"app\": no container_cpu_usage_seconds_total series (left out)") == 1);
  CHECK(warnings.count("default/" + second +
                       ": container \"app\": 1 gaps in the history, the longest 60 min") == 1);
  CHECK(load->samples.series().size() == 1);

  options.labels = {{"cluster", "staging"}};
  auto none = source::load_from_prometheus(source::make_prometheus_http_api(connection), options);
  REQUIRE(!none);
  CHECK(none.error().message.find(server.url() + ": no container_cpu_usage_seconds_total") == 0);
}

}  // namespace podfit::test

namespace podfit::test {

namespace {

CommandResult podfit_json(const std::string& args) {
  return run_command(shell_quote(podfit_binary()) + " recommend -o json " + args);
}

std::map<std::string, nlohmann::json> recommendations_by_container(const std::string& json) {
  std::map<std::string, nlohmann::json> by_container;
  nlohmann::json report = nlohmann::json::parse(json);
  for (const auto& item : report["recommendations"]) {
    by_container[item["namespace"].get<std::string>() + "/" + item["workload"].get<std::string>() +
                 "/" + item["container"].get<std::string>()] = item;
  }
  return by_container;
}

}  // namespace

TEST_CASE("the same trace from metrics-server samples and from Prometheus: same recommendation",
          "[prometheus]") {
  if (!prometheus_installed()) FAIL("prometheus and promtool are not installed (scripts/setup.sh)");
  TempDir dir;
  write_trace_pair(dir, kTrace, "--kube-state-metrics");
  PrometheusServer server(dir / "trace.om");
  std::string from_prometheus_args = "--prometheus " + server.url() +
                                     " --prometheus-end 2024-08-23T15:59:00Z --history 6h "
                                     "--step 1m --rate-window 1m";

  CommandResult recorded = podfit_json("--samples " + shell_quote((dir / "trace.jsonl").string()));
  CommandResult prometheus = podfit_json(from_prometheus_args);
  INFO(recorded.err << prometheus.err);
  REQUIRE(recorded.exit_code == 0);
  REQUIRE(prometheus.exit_code == 0);
  auto want = recommendations_by_container(recorded.out);
  auto got = recommendations_by_container(prometheus.out);
  INFO(recorded.out.substr(0, 300));
  REQUIRE(want.size() == 6);  // 3 workloads x 2 containers
  REQUIRE(got.size() == want.size());
  for (const auto& [name, item] : want) {
    INFO(name);
    REQUIRE(got.count(name) == 1);
    CHECK(got[name]["samples"] == item["samples"]);
    CHECK(got[name]["recommended"] == item["recommended"]);
    CHECK(got[name]["cpu"]["p90"].get<double>() ==
          Approx(item["cpu"]["p90"].get<double>()).margin(1e-9));
    CHECK(got[name]["memory"]["max"] == item["memory"]["max"]);
  }

  SECTION("manifest selectors match the labels kube-state-metrics exports") {
    // The selector's "app" is kube-state-metrics' label_app. A ReplicaSet (named after the
    // steady pods, so only its selector can tell) owns them; a Deployment "web" whose
    // selector matches them too cannot have created pods of that name, so owns none.
    std::string first_line = read_file(dir / "trace.jsonl");
    first_line = first_line.substr(0, first_line.find('\n'));
    std::string replica_set;
    const nlohmann::json poll = nlohmann::json::parse(first_line);
    for (const auto& item : poll["items"]) {
      std::string pod = item["metadata"]["name"];
      if (pod.rfind("trace-steady-000-", 0) == 0) replica_set = pod.substr(0, pod.size() - 6);
    }
    REQUIRE_FALSE(replica_set.empty());
    auto workload = [](const std::string& kind, const std::string& name) {
      return "apiVersion: apps/v1\nkind: " + kind + "\nmetadata:\n  name: " + name +
             "\n  namespace: default\nspec:\n  selector:\n    matchLabels:\n"
             "      app: trace-steady-000\n  template:\n    metadata:\n      labels:\n"
             "        app: trace-steady-000\n    spec:\n      containers:\n      - name: app\n"
             "        image: nginx\n        resources:\n          requests:\n"
             "            cpu: 123m\n";
    };
    write_file(dir / "web.yaml",
               workload("Deployment", "web") + "---\n" + workload("ReplicaSet", replica_set));
    CommandResult with_manifest =
        podfit_json(from_prometheus_args + " -f " + shell_quote((dir / "web.yaml").string()));
    REQUIRE(with_manifest.exit_code == 0);
    auto by_name = recommendations_by_container(with_manifest.out);
    CHECK(by_name.count("default/web/app") == 0);
    REQUIRE(by_name.count("default/" + replica_set + "/app") == 1);
    CHECK(by_name["default/" + replica_set + "/app"]["kind"] == "ReplicaSet");
    CHECK(by_name["default/" + replica_set + "/app"]["current"]["requests"]["cpu"] == "123m");
    CHECK(by_name.count("default/trace-steady-000/app") == 0);
    CHECK(by_name.count("default/trace-bursty-001/app") == 1);
  }
  SECTION("a server that is not there, and two sources at once") {
    CommandResult unreachable = podfit_json("--prometheus http://127.0.0.1:1 --history 1h");
    CHECK(unreachable.exit_code == 4);
    CHECK(unreachable.err.find("http://127.0.0.1:1/api/v1/series: ") != std::string::npos);
    CommandResult both = podfit_json(from_prometheus_args + " --samples " +
                                     shell_quote((dir / "trace.jsonl").string()));
    CHECK(both.exit_code == 2);
    CHECK(both.err.find("give one of --samples, --store and --prometheus") != std::string::npos);
    CHECK(podfit_json("--prometheus " + server.url() + " --history 2x").exit_code == 2);
  }
}

TEST_CASE("OOM kills kube-state-metrics reports raise memory above the killing limit",
          "[prometheus]") {
  if (!prometheus_installed()) FAIL("prometheus and promtool are not installed (scripts/setup.sh)");
  TempDir dir;
  const double limit = 4.0 * 1024 * 1024 * 1024;  // far above what the trace uses
  write_trace_pair(dir, kTrace,
                   "--kube-state-metrics --oom trace-steady-000:app:4294967296 "
                   "--restart trace-bursty-001:sidecar-1");
  PrometheusServer server(dir / "trace.om");

  source::PrometheusConnection connection;
  connection.url = server.url();
  auto load =
      source::load_from_prometheus(source::make_prometheus_http_api(connection), trace_options());
  REQUIRE(load);
  std::map<std::string, const source::ContainerSignals*> signal_of;
  for (const auto& signal : load->signals) {
    signal_of[load->samples.pods()[signal.pod].name + "/" + signal.container] = &signal;
  }
  std::size_t killed = 0, restarted = 0;
  for (const auto& [name, signal] : signal_of) {
    INFO(name);
    bool steady_app = name.rfind("trace-steady-000-", 0) == 0 && signal->container == "app";
    bool bursty_sidecar =
        name.rfind("trace-bursty-001-", 0) == 0 && signal->container == "sidecar-1";
    CHECK(signal->oom_killed == steady_app);
    CHECK(signal->restarts == (steady_app || bursty_sidecar ? 1 : 0));
    CHECK(signal->memory_limit_bytes == (steady_app ? std::optional<double>(limit) : std::nullopt));
    killed += steady_app;
    restarted += bursty_sidecar;
  }
  CHECK(killed == 2);  // both pods of the workload
  CHECK(restarted == 2);

  CommandResult run = podfit_json("--prometheus " + server.url() +
                                  " --prometheus-end 2024-08-23T15:59:00Z --history 6h --step 1m "
                                  "--rate-window 1m");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto by_name = recommendations_by_container(run.out);
  REQUIRE(by_name.size() == 6);
  for (const auto& [name, item] : by_name) {
    INFO(name);
    REQUIRE(item["has_recommendation"] == true);
    auto memory_request =
        quantity::parse(item["recommended"]["requests"]["memory"].get<std::string>());
    auto memory_limit = quantity::parse(item["recommended"]["limits"]["memory"].get<std::string>());
    REQUIRE(memory_request);
    REQUIRE(memory_limit);
    // What the samples alone ask for: the peak x 2, well under the killing limit.
    double from_samples = item["memory"]["max"].get<double>() * 2;
    REQUIRE(from_samples < limit);
    if (name == "default/trace-steady-000/app") {
      CHECK(item["events"]["oom_kills"] == 2);
      CHECK(item["events"]["restarts"] == 2);
      CHECK(memory_request->value() >= 1.2 * limit);
      CHECK(memory_limit->value() >= 1.2 * limit);
      CHECK(memory_limit->value() < 1.2 * limit + 1024 * 1024);  // rounded up to a whole Mi
      CHECK(item["reason"].get<std::string>().find("OOM-killed at limit") != std::string::npos);
    } else {
      CHECK(item["events"]["oom_kills"] == 0);
      CHECK(item["events"]["restarts"] == (name == "default/trace-bursty-001/sidecar-1" ? 2 : 0));
      CHECK(memory_limit->value() < limit);
    }
  }
}

namespace {

constexpr const char* kToken = "s3cr3t-token-4711";
constexpr const char* kPassword = "pa55-w0rd-0815";

}  // namespace

TEST_CASE("bearer token, basic auth, headers and TLS trust through an authenticating proxy",
          "[prometheus]") {
  if (!prometheus_installed()) FAIL("prometheus and promtool are not installed (scripts/setup.sh)");
  TempDir dir;
  write_trace_pair(dir, "--families steady --workloads 1 --duration 2h --interval 60 --seed 3");
  PrometheusServer server(dir / "trace.om");
  write_file(dir / "token", std::string(kToken) + "\n");
  write_file(dir / "wrong-token", "not-the-token-0042\n");
  write_file(dir / "basic", std::string("alice:") + kPassword + "\n");
  write_file(dir / "wrong-basic", "alice:guessed-0042\n");
  std::string ca = shell_quote((test_certs() / "ca.crt").string());
  auto file = [&](const char* name) { return shell_quote((dir / name).string()); };
  auto podfit = [&](const std::string& url, const std::string& args) {
    return podfit_json("--prometheus " + url +
                       " --prometheus-end 2024-08-23T11:59:00Z --history 2h " + args);
  };
  auto refused = [](const CommandResult& run, const std::string& url) {
    INFO(run.err);
    CHECK(run.exit_code == 4);
    CHECK(run.err.find(url + "/api/v1/series: HTTP 401: the server refused the request") !=
          std::string::npos);
    for (const char* secret : {kToken, kPassword, "not-the-token-0042", "guessed-0042"}) {
      CHECK(run.err.find(secret) == std::string::npos);
    }
  };
  CommandResult direct = podfit(server.url(), "");
  REQUIRE(direct.exit_code == 0);
  auto want = recommendations_by_container(direct.out);
  REQUIRE(want.size() == 1);

  SECTION("HTTPS, a bearer token and a tenant header") {
    AuthProxy proxy(server.url(), true, {"--token", kToken, "--header", "X-Scope-OrgID: team-a"});
    std::string good =
        "--prometheus-token-file " + file("token") + " --prometheus-header 'X-Scope-OrgID: team-a'";
    CommandResult ok = podfit(proxy.url(), "--prometheus-ca " + ca + " " + good);
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    auto got = recommendations_by_container(ok.out);
    REQUIRE(got.size() == 1);
    CHECK(got.begin()->second["recommended"] == want.begin()->second["recommended"]);

    refused(podfit(proxy.url(),
                   "--prometheus-ca " + ca + " --prometheus-header 'X-Scope-OrgID: team-a'"),
            proxy.url());
    refused(podfit(proxy.url(), "--prometheus-ca " + ca + " --prometheus-token-file " +
                                    file("wrong-token") +
                                    " --prometheus-header 'X-Scope-OrgID: team-a'"),
            proxy.url());
    refused(
        podfit(proxy.url(), "--prometheus-ca " + ca + " --prometheus-token-file " + file("token")),
        proxy.url());

    // The certificate is signed by the test CA only: without it, TLS fails.
    CommandResult untrusted = podfit(proxy.url(), good);
    INFO(untrusted.err);
    CHECK(untrusted.exit_code == 4);
    CHECK(untrusted.err.find(proxy.url() + "/api/v1/series: ") != std::string::npos);
    CHECK(untrusted.err.find("certificate") != std::string::npos);
    CHECK(untrusted.err.find(kToken) == std::string::npos);
    CommandResult insecure = podfit(proxy.url(), "--prometheus-insecure " + good);
    CHECK(insecure.exit_code == 0);

    CommandResult missing =
        podfit(proxy.url(), "--prometheus-ca " + ca + " --prometheus-token-file " + file("absent"));
    CHECK(missing.exit_code == 4);
    CHECK(missing.err.find("--prometheus-token-file: cannot read") != std::string::npos);
  }
  SECTION("plain HTTP with basic auth") {
    AuthProxy proxy(server.url(), false, {"--basic", std::string("alice:") + kPassword});
    CommandResult ok = podfit(proxy.url(), "--prometheus-basic-auth-file " + file("basic"));
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    refused(podfit(proxy.url(), "--prometheus-basic-auth-file " + file("wrong-basic")),
            proxy.url());
    refused(podfit(proxy.url(), ""), proxy.url());
  }
}

}  // namespace podfit::test

// The Prometheus HTTP API's JSON answers (query, query_range, series), read
// with simdjson's DOM parser. Values come as strings ("0.25", "NaN", "+Inf").
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <string>

#include "podfit/core/time.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::source {

namespace {

namespace dom = simdjson::dom;

tl::unexpected<Error> json_error(const char* where, simdjson::error_code code) {
  return fail(std::string("malformed Prometheus answer: ") + where + " (" +
              simdjson::error_message(code) + ")");
}

Result<double> parse_sample_value(std::string_view text) {
  if (text == "NaN") return std::nan("");
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return fail("malformed Prometheus answer: sample value '" + std::string(text) + "'");
  }
  return value;
}

// [1724407200.123, "0.5"]
Result<std::pair<std::int64_t, double>> parse_pair(dom::element element) {
  dom::array pair;
  if (auto error = element.get_array().get(pair)) return json_error("sample", error);
  double seconds = 0;
  std::string_view text;
  auto it = pair.begin();
  if (pair.size() != 2) return fail("malformed Prometheus answer: a sample is not [time, value]");
  if (auto error = (*it).get_double().get(seconds)) return json_error("sample time", error);
  ++it;
  if (auto error = (*it).get_string().get(text)) return json_error("sample value", error);
  PODFIT_TRY_ASSIGN(value, parse_sample_value(text));
  if (!(seconds >= 0 && seconds * 1e9 < static_cast<double>(kLatestTimeNs))) {
    return fail("Prometheus answer: sample time " + std::to_string(seconds) +
                " is before 1970 or after 2199, which podfit does not support");
  }
  // Prometheus times are whole milliseconds written as decimal seconds.
  auto ms = static_cast<std::int64_t>(std::llround(seconds * 1000.0));
  return std::pair<std::int64_t, double>(ms * 1'000'000, value);
}

Result<std::map<std::string, std::string>> parse_labels(dom::element element) {
  dom::object object;
  if (auto error = element.get_object().get(object)) return json_error("labels", error);
  std::map<std::string, std::string> labels;
  for (dom::key_value_pair field : object) {
    std::string_view value;
    if (auto error = field.value.get_string().get(value)) return json_error("label value", error);
    labels.emplace(std::string(field.key), std::string(value));
  }
  return labels;
}

Result<MatrixSeries> parse_series(dom::object object) {
  MatrixSeries series;
  for (dom::key_value_pair field : object) {
    if (field.key == "metric") {
      PODFIT_TRY_ASSIGN(labels, parse_labels(field.value));
      series.labels = std::move(labels);
    } else if (field.key == "values") {
      dom::array values;
      if (auto error = field.value.get_array().get(values)) return json_error("values", error);
      series.points.reserve(values.size());
      for (dom::element element : values) {
        PODFIT_TRY_ASSIGN(point, parse_pair(element));
        series.points.push_back(point);
      }
    } else if (field.key == "value") {
      PODFIT_TRY_ASSIGN(point, parse_pair(field.value));
      series.points.push_back(point);
    }
  }
  return series;
}

// The "data" member of a successful answer, or Prometheus' own error.
Result<dom::element> success_data(dom::parser& parser, std::string_view body) {
  dom::element root;
  if (auto error = parser.parse(body.data(), body.size()).get(root)) {
    std::string start(body.substr(0, 120));
    return fail("not a Prometheus API answer (" + std::string(simdjson::error_message(error)) +
                "): " + start);
  }
  std::string_view status;
  if (auto error = root["status"].get_string().get(status)) return json_error("status", error);
  if (status != "success") {
    std::string_view type = "unknown", message = "no message";
    if (root["errorType"].get_string().get(type)) type = "unknown";
    if (root["error"].get_string().get(message)) message = "no message";
    return fail("Prometheus rejected the query: " + std::string(type) + ": " +
                std::string(message));
  }
  dom::element data;
  if (auto error = root["data"].get(data)) return json_error("data", error);
  return data;
}

// One parser per thread keeps its buffers from one answer to the next.
dom::parser& thread_parser() {
  thread_local dom::parser parser;
  return parser;
}

}  // namespace

Result<std::vector<MatrixSeries>> parse_query_response(std::string_view body) {
  dom::parser& parser = thread_parser();
  PODFIT_TRY_ASSIGN(data, success_data(parser, body));
  std::string_view type;
  if (auto error = (data)["resultType"].get_string().get(type)) {
    return json_error("resultType", error);
  }
  if (type != "matrix" && type != "vector") {
    return fail("Prometheus answered a " + std::string(type) + ", not a matrix or vector");
  }
  dom::array result;
  if (auto error = (data)["result"].get_array().get(result)) return json_error("result", error);
  std::vector<MatrixSeries> all;
  all.reserve(result.size());
  for (dom::element element : result) {
    dom::object object;
    if (auto error = element.get_object().get(object)) return json_error("series", error);
    PODFIT_TRY_ASSIGN(series, parse_series(object));
    all.push_back(std::move(series));
  }
  return all;
}

Result<std::vector<std::map<std::string, std::string>>> parse_series_response(
    std::string_view body) {
  dom::parser& parser = thread_parser();
  auto data = success_data(parser, body);
  if (!data) return tl::unexpected(data.error());
  dom::array array;
  if (auto error = data->get_array().get(array)) return json_error("series data", error);
  std::vector<std::map<std::string, std::string>> all;
  all.reserve(array.size());
  for (dom::element element : array) {
    PODFIT_TRY_ASSIGN(labels, parse_labels(element));
    all.push_back(std::move(labels));
  }
  return all;
}

}  // namespace podfit::source

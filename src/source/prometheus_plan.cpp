// Query planning for Prometheus: selectors that stay short (no giant pod regex)
// and time chunks that keep series x points of every answer bounded.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "podfit/core/time.hpp"
#include "podfit/source/prometheus.hpp"
#include "podfit/source/recorded.hpp"

namespace podfit::source {

namespace {

// The matchers every selector starts with (--prometheus-label), then a comma when more follow.
std::string label_matchers(const PrometheusQueryOptions& options) {
  std::string text;
  for (const auto& [name, value] : options.labels) {
    text += name + "=" + promql_string(value) + ",";
  }
  return text;
}

std::string alternatives(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += '|';
    text += promql_regex_literal(name);
  }
  return text;
}

struct NamespacePods {
  std::string name;
  std::size_t series = 0;
  std::vector<const PodSeriesCount*> pods;
};

// Packs whole namespaces together, and splits namespaces too big for one
// selector into pod batches.
class SelectorPacker {
 public:
  SelectorPacker(std::string prefix, std::size_t series_budget, std::size_t max_bytes)
      : prefix_(std::move(prefix)), series_budget_(series_budget), max_bytes_(max_bytes) {}

  void add_namespace(const NamespacePods& ns) {
    std::size_t name_bytes = promql_regex_literal(ns.name).size() + 1;
    if (ns.series <= series_budget_) {
      if (namespaces_series_ + ns.series > series_budget_ ||
          namespaces_bytes_ + name_bytes > max_bytes_) {
        flush_namespaces();
      }
      namespaces_.push_back(ns.name);
      namespaces_series_ += ns.series;
      namespaces_bytes_ += name_bytes;
      for (const PodSeriesCount* pod : ns.pods) namespaces_pods_.push_back(pod->index);
      return;
    }
    std::vector<std::string> batch;
    std::vector<std::uint32_t> indices;
    std::size_t series = 0, bytes = 0;
    std::string head = prefix_ + "namespace=" + promql_string(ns.name) + ",pod=~\"";
    for (const PodSeriesCount* pod : ns.pods) {
      std::size_t pod_bytes = promql_regex_literal(pod->pod).size() + 1;
      if (!batch.empty() &&
          (series + pod->containers > series_budget_ || bytes + pod_bytes > max_bytes_)) {
        selectors_.push_back({head + alternatives(batch) + "\"", series, std::move(indices)});
        batch.clear();
        indices.clear();
        series = bytes = 0;
      }
      batch.push_back(pod->pod);
      indices.push_back(pod->index);
      series += pod->containers;
      bytes += pod_bytes;
    }
    if (!batch.empty()) {
      selectors_.push_back({head + alternatives(batch) + "\"", series, std::move(indices)});
    }
  }

  std::vector<QueryChunk> finish() {
    flush_namespaces();
    return std::move(selectors_);
  }

 private:
  void flush_namespaces() {
    if (namespaces_.empty()) return;
    std::string selector = namespaces_.size() == 1
                               ? prefix_ + "namespace=" + promql_string(namespaces_.front())
                               : prefix_ + "namespace=~\"" + alternatives(namespaces_) + "\"";
    selectors_.push_back({selector, namespaces_series_, std::move(namespaces_pods_)});
    namespaces_pods_.clear();
    namespaces_.clear();
    namespaces_series_ = namespaces_bytes_ = 0;
  }

  std::string prefix_;
  std::size_t series_budget_;
  std::size_t max_bytes_;
  std::vector<std::string> namespaces_;
  std::size_t namespaces_series_ = 0, namespaces_bytes_ = 0;
  std::vector<std::uint32_t> namespaces_pods_;
  std::vector<QueryChunk> selectors_;  // without times yet
};

}  // namespace

Result<double> parse_history_seconds(std::string_view text) {
  std::optional<double> seconds;
  if (!text.empty() && text.back() == 'd') {
    double days = 0;
    std::string digits(text.substr(0, text.size() - 1));
    char* end = nullptr;
    days = std::strtod(digits.c_str(), &end);
    if (!digits.empty() && end == digits.c_str() + digits.size()) seconds = days * 86400;
  } else if (auto parsed = parse_go_duration_seconds(text)) {
    seconds = *parsed;
  }
  auto refuse = [text](const char* why) {
    std::string message = "'";
    message.append(text);
    message += "' ";
    message += why;
    return fail(message);
  };
  if (!seconds || !(*seconds > 0)) return refuse("is not a duration such as 14d, 12h, 1m or 30s");
  if (*seconds > kMaxSpanSeconds) return refuse("is longer than 50 years, which podfit does not support");
  return *seconds;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  auto encode = [&out](const std::string& text) {
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
  };
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    encode(name);
    out += '=';
    encode(value);
  }
  return out;
}

std::string promql_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string promql_regex_literal(std::string_view text) {
  std::string out;
  for (char c : text) {
    // RE2 metacharacters get a regex backslash, which the string literal doubles.
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += "\\\\";
    if (c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string prometheus_label_name(std::string_view key) {
  std::string name = "label_";
  for (unsigned char c : key) name += std::isalnum(c) || c == '_' ? static_cast<char>(c) : '_';
  return name;
}

std::vector<QueryChunk> plan_queries(const std::vector<PodSeriesCount>& pods, std::int64_t start_ns,
                                     std::int64_t end_ns, const PrometheusQueryOptions& options) {
  std::vector<QueryChunk> chunks;
  if (pods.empty() || end_ns < start_ns) return chunks;
  auto step_ns = static_cast<std::int64_t>(options.step_seconds * 1e9);
  auto steps = static_cast<std::size_t>((end_ns - start_ns) / step_ns + 1);
  std::size_t widest_pod = 1;
  for (const auto& pod : pods) widest_pod = std::max(widest_pod, pod.containers);
  std::size_t points_per_chunk =
      std::min({steps, std::max<std::size_t>(1, options.max_points_per_series),
                std::max<std::size_t>(1, options.max_points_per_query / widest_pod)});
  std::size_t series_budget =
      std::max<std::size_t>(1, options.max_points_per_query / points_per_chunk);

  std::map<std::string, NamespacePods> by_namespace;
  for (const auto& pod : pods) {
    NamespacePods& ns = by_namespace[pod.namespace_name];
    ns.name = pod.namespace_name;
    ns.series += pod.containers;
    ns.pods.push_back(&pod);
  }
  SelectorPacker packer(label_matchers(options), series_budget, options.max_selector_bytes);
  for (const auto& entry : by_namespace) packer.add_namespace(entry.second);

  for (const QueryChunk& selector : packer.finish()) {
    for (std::size_t first = 0; first < steps; first += points_per_chunk) {
      std::size_t last = std::min(steps, first + points_per_chunk) - 1;
      QueryChunk chunk = selector;
      chunk.start_ns = start_ns + static_cast<std::int64_t>(first) * step_ns;
      chunk.end_ns = start_ns + static_cast<std::int64_t>(last) * step_ns;
      chunks.push_back(std::move(chunk));
    }
  }
  return chunks;
}

}  // namespace podfit::source

// Reads recorded metrics (JSON Lines of PodMetricsList / PodMetrics) into a SampleSet.
//
// Each line is parsed with simdjson's DOM parser (its On-Demand API is chosen
// at compile time and would be the portable scalar kernel here; the DOM parser
// picks AVX2 etc. at run time) into a small "pending" description whose strings
// view the parser's buffers. Only when the whole line is valid are its points
// added, so a malformed line is skipped as a unit.
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "podfit/core/time.hpp"
#include "podfit/source/recorded.hpp"
#include "source/usage_value.hpp"

namespace podfit::source {

namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kMaxWarnings = 20;
constexpr std::size_t kReadBlock = 1 << 20;

using LabelView = std::pair<std::string_view, std::string_view>;

struct PendingContainer {
  std::string_view name;
  std::optional<std::string_view> cpu;
  std::optional<std::string_view> memory;
};

// One PodMetrics object as written; indices select its labels and containers
// from the line's shared vectors.
struct PodFields {
  std::optional<std::string_view> kind, name, namespace_name, timestamp, window;
  bool has_labels = false;
  bool has_containers = false;
  std::size_t labels_begin = 0, labels_end = 0;
  std::size_t containers_begin = 0, containers_end = 0;
};

std::string json_error_text(simdjson::error_code code) {
  return std::string("invalid JSON (") + simdjson::error_message(code) + ")";
}

tl::unexpected<Error> json_error(simdjson::error_code code) {
  return fail(json_error_text(code));
}

// A pod's time and window, once checked.
struct Ready {
  std::int64_t time_ns = 0;
  double window_seconds = 0;
};

class LineParser {
 public:
  // Parses one line (not padded) and, when it is valid, adds its points.
  Result<std::size_t> add_line(std::string_view line, SampleSet& samples);

 private:
  Result<void> read_string(dom::element value, std::string_view& out);
  Result<void> read_labels(dom::object object, PodFields& pod);
  Result<void> read_metadata(dom::object object, PodFields& pod);
  Result<void> read_containers(dom::array array, PodFields& pod);
  Result<void> read_pod_field(std::string_view key, dom::element value, PodFields& pod);
  Result<void> read_pod(dom::object object, PodFields& pod);
  Result<void> read_items(dom::array array);
  Result<void> validate(std::size_t index, Ready& ready,
                        std::vector<std::pair<double, double>>& usage);
  Result<std::size_t> commit(SampleSet& samples);
  void update_labels(std::uint32_t pod, const PodFields& fields, SampleSet& samples);

  dom::parser parser_;
  std::vector<Ready> ready_;
  std::vector<std::pair<double, double>> usage_;  // (cores, bytes) per pending container
  std::string_view last_timestamp_;  // pods of one poll share a timestamp: parse it once
  std::int64_t last_time_ns_ = 0;
  // The pods of the previous line by position: polls list pods in a stable
  // order, so a name comparison usually replaces SampleSet's map look-up.
  std::vector<std::pair<std::string, std::uint32_t>> previous_pods_;
  SampleSet* previous_samples_ = nullptr;
  std::vector<std::pair<std::string, double>> previous_windows_;  // window text and seconds

  std::uint32_t pod_index(std::size_t position, const PodFields& pod, SampleSet& samples);
  std::vector<char> padded_;
  std::vector<PodFields> pods_;
  std::vector<LabelView> labels_;
  std::vector<PendingContainer> containers_;
};

Result<void> LineParser::read_string(dom::element value, std::string_view& out) {
  if (auto error = value.get_string().get(out)) {
    return fail(error == simdjson::INCORRECT_TYPE ? "expected a string" : json_error_text(error));
  }
  return {};
}

Result<void> LineParser::read_labels(dom::object object, PodFields& pod) {
  pod.has_labels = true;
  pod.labels_begin = labels_.size();
  for (dom::key_value_pair field : object) {
    std::string_view key = field.key, value;
    auto read = read_string(field.value, value);
    if (!read) return fail("metadata.labels." + std::string(key) + ": " + read.error().message);
    labels_.emplace_back(key, value);
  }
  pod.labels_end = labels_.size();
  return {};
}

Result<void> LineParser::read_metadata(dom::object object, PodFields& pod) {
  for (dom::key_value_pair field : object) {
    std::string_view key = field.key;
    if (key == "name" || key == "namespace") {
      std::string_view text;
      auto read = read_string(field.value, text);
      if (!read) return fail("metadata." + std::string(key) + ": " + read.error().message);
      (key == "name" ? pod.name : pod.namespace_name) = text;
    } else if (key == "labels") {
      dom::object labels;
      if (field.value.get_object().get(labels)) return fail("metadata.labels: expected an object");
      if (auto read = read_labels(labels, pod); !read) return read;
    }
  }
  return {};
}

Result<void> LineParser::read_containers(dom::array array, PodFields& pod) {
  pod.has_containers = true;
  pod.containers_begin = containers_.size();
  for (auto element : array) {
    auto where = [&] {
      return "containers[" + std::to_string(containers_.size() - pod.containers_begin) + "]";
    };
    dom::object object;
    if (element.get_object().get(object)) return fail(where() + ": expected an object");
    PendingContainer container;
    for (dom::key_value_pair field : object) {
      std::string_view key = field.key;
      if (key == "name") {
        if (auto read = read_string(field.value, container.name); !read) {
          return fail(where() + ".name: " + read.error().message);
        }
      } else if (key == "usage") {
        dom::object usage;
        if (field.value.get_object().get(usage))
          return fail(where() + ".usage: expected an object");
        for (dom::key_value_pair usage_field : usage) {
          std::string_view resource = usage_field.key, text;
          if (resource != "cpu" && resource != "memory") continue;
          if (auto read = read_string(usage_field.value, text); !read) {
            return fail(where() + ".usage." + std::string(resource) + ": " + read.error().message);
          }
          (resource == "cpu" ? container.cpu : container.memory) = text;
        }
      }
    }
    containers_.push_back(container);
  }
  pod.containers_end = containers_.size();
  return {};
}

Result<void> LineParser::read_pod_field(std::string_view key, dom::element value, PodFields& pod) {
  if (key == "kind" || key == "timestamp" || key == "window") {
    std::string_view text;
    auto read = read_string(value, text);
    if (!read) return fail(std::string(key) + ": " + read.error().message);
    (key == "kind" ? pod.kind : key == "timestamp" ? pod.timestamp : pod.window) = text;
  } else if (key == "metadata") {
    dom::object object;
    if (value.get_object().get(object)) return fail("metadata: expected an object");
    return read_metadata(object, pod);
  } else if (key == "containers") {
    dom::array array;
    if (value.get_array().get(array)) return fail("containers: expected an array");
    return read_containers(array, pod);
  }
  return {};
}

Result<void> LineParser::read_pod(dom::object object, PodFields& pod) {
  for (dom::key_value_pair field : object) {
    std::string_view key = field.key;
    if (auto read = read_pod_field(key, field.value, pod); !read) return read;
  }
  return {};
}

Result<void> LineParser::read_items(dom::array array) {
  for (auto element : array) {
    dom::object object;
    auto where = [&] { return "items[" + std::to_string(pods_.size()) + "]"; };
    if (element.get_object().get(object)) return fail(where() + ": expected an object");
    PodFields pod;
    if (auto read = read_pod(object, pod); !read)
      return fail(where() + ": " + read.error().message);
    if (pod.kind && *pod.kind != "PodMetrics") {
      return fail(where() + ": kind \"" + std::string(*pod.kind) + "\" is not PodMetrics");
    }
    pods_.push_back(pod);
  }
  return {};
}

Result<std::size_t> LineParser::add_line(std::string_view line, SampleSet& samples) {
  pods_.clear();
  labels_.clear();
  containers_.clear();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; give it spaces to read.
  padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded_.data(), line.data(), line.size());
  std::memset(padded_.data() + line.size(), ' ', simdjson::SIMDJSON_PADDING);

  dom::element document;
  if (auto error = parser_.parse(padded_.data(), line.size(), false).get(document)) {
    return json_error(error);
  }
  dom::object root;
  if (auto error = document.get_object().get(root)) {
    return error == simdjson::INCORRECT_TYPE ? fail("not a JSON object") : json_error(error);
  }
  PodFields top;
  std::optional<std::size_t> items_seen;
  for (dom::key_value_pair field : root) {
    std::string_view key = field.key;
    if (key == "items") {
      dom::array items;
      if (field.value.get_array().get(items)) return fail("items: expected an array");
      if (auto read = read_items(items); !read) return tl::unexpected(read.error());
      items_seen = pods_.size();
    } else if (auto read = read_pod_field(key, field.value, top); !read) {
      return tl::unexpected(read.error());
    }
  }

  if (!top.kind) return fail("no \"kind\" (expected PodMetricsList or PodMetrics)");
  if (*top.kind == "PodMetricsList") {
    if (!items_seen) return fail("PodMetricsList without \"items\"");
  } else if (*top.kind == "PodMetrics") {
    pods_.push_back(top);
  } else {
    return fail("kind \"" + std::string(*top.kind) + "\" is neither PodMetricsList nor PodMetrics");
  }
  return commit(samples);
}

// Replaces the pod's stored labels only when they changed, so the common case
// (the same labels every poll) costs a comparison and no allocation.
void LineParser::update_labels(std::uint32_t pod, const PodFields& fields, SampleSet& samples) {
  auto begin = labels_.begin() + static_cast<std::ptrdiff_t>(fields.labels_begin);
  auto end = labels_.begin() + static_cast<std::ptrdiff_t>(fields.labels_end);
  if (!std::is_sorted(begin, end)) std::sort(begin, end);
  const Labels& stored = samples.pods()[pod].labels;
  bool same = stored.size() == static_cast<std::size_t>(end - begin) &&
              std::equal(begin, end, stored.begin(), [](const LabelView& a, const auto& b) {
                return a.first == b.first && a.second == b.second;
              });
  if (same) return;
  Labels labels;
  for (auto it = begin; it != end; ++it) labels[std::string(it->first)] = std::string(it->second);
  const PodRecord& record = samples.pods()[pod];
  samples.intern_pod(std::string(record.namespace_name), std::string(record.name), &labels);
}

// Where a pod is, for messages: "namespace/name" when known, else its position.
std::string pod_context(const PodFields& pod, std::size_t index) {
  if (pod.name) return std::string(pod.namespace_name.value_or("")) + "/" + std::string(*pod.name);
  return "items[" + std::to_string(index) + "]";
}

// Checks one pod's fields and converts its values; `ready` gets its time and
// window, `usage` its containers' (cores, bytes).
Result<void> LineParser::validate(std::size_t index, Ready& ready,
                                  std::vector<std::pair<double, double>>& usage) {
  const PodFields& pod = pods_[index];
  auto problem = [&](const std::string& what) {
    return fail(pod_context(pod, index) + ": " + what);
  };
  if (!pod.name || pod.name->empty()) return problem("metadata.name is missing");
  if (!pod.namespace_name || pod.namespace_name->empty()) {
    return problem("metadata.namespace is missing");
  }
  if (!pod.timestamp) return problem("timestamp is missing");
  if (*pod.timestamp != last_timestamp_) {
    auto time = parse_supported_time_ns(*pod.timestamp);
    if (!time) return problem(time.error().message);
    last_timestamp_ = *pod.timestamp;
    last_time_ns_ = *time;
  }
  ready.time_ns = last_time_ns_;
  ready.window_seconds = 0;
  if (pod.window) {
    // A pod's window rarely changes between polls: reuse the last value at this position.
    if (index >= previous_windows_.size()) previous_windows_.resize(index + 1);
    auto& [text, seconds] = previous_windows_[index];
    if (text != *pod.window) {
      auto window = parse_go_duration_seconds(*pod.window);
      if (!window) return problem("window: " + window.error().message);
      if (*window < 0) return problem("window \"" + std::string(*pod.window) + "\" is negative");
      if (*window > kMaxSpanSeconds)
        return problem("window \"" + std::string(*pod.window) + "\" is longer than 50 years");
      text.assign(*pod.window);
      seconds = *window;
    }
    ready.window_seconds = seconds;
  }
  if (!pod.has_containers) return problem("containers is missing");
  for (std::size_t c = pod.containers_begin; c < pod.containers_end; ++c) {
    const PendingContainer& container = containers_[c];
    if (container.name.empty()) return problem("a container has no name");
    auto in_container = [&](const std::string& what) {
      return problem("container \"" + std::string(container.name) + "\": " + what);
    };
    if (!container.cpu) return in_container("usage.cpu is missing");
    if (!container.memory) return in_container("usage.memory is missing");
    auto cpu = parse_usage_value(*container.cpu);
    if (!cpu) return in_container("usage.cpu: " + cpu.error().message);
    auto memory = parse_usage_value(*container.memory);
    if (!memory) return in_container("usage.memory: " + memory.error().message);
    usage[c] = {*cpu, *memory};
  }
  return {};
}

std::uint32_t LineParser::pod_index(std::size_t position, const PodFields& pod,
                                    SampleSet& samples) {
  if (previous_samples_ != &samples) {
    previous_pods_.clear();
    previous_samples_ = &samples;
  }
  if (position >= previous_pods_.size()) previous_pods_.resize(position + 1);
  auto& [key, index] = previous_pods_[position];
  // The key is "namespace/name"; neither part can contain '/'.
  std::size_t ns_size = pod.namespace_name->size();
  bool same = key.size() == ns_size + 1 + pod.name->size() &&
              key.compare(0, ns_size, *pod.namespace_name) == 0 && key[ns_size] == '/' &&
              key.compare(ns_size + 1, std::string::npos, *pod.name) == 0;
  if (!same) {
    index = samples.intern_pod(*pod.namespace_name, *pod.name);
    key.assign(*pod.namespace_name).append("/").append(*pod.name);
  }
  return index;
}

// Validates every pod of the line first, then adds them: all or nothing.
Result<std::size_t> LineParser::commit(SampleSet& samples) {
  ready_.resize(pods_.size());
  usage_.resize(containers_.size());
  last_timestamp_ = {};
  for (std::size_t i = 0; i < pods_.size(); ++i) {
    if (auto valid = validate(i, ready_[i], usage_); !valid) return tl::unexpected(valid.error());
  }
  std::size_t points = 0;
  for (std::size_t i = 0; i < pods_.size(); ++i) {
    const PodFields& pod = pods_[i];
    std::uint32_t index = pod_index(i, pod, samples);
    if (pod.has_labels) update_labels(index, pod, samples);
    for (std::size_t c = pod.containers_begin; c < pod.containers_end; ++c) {
      SamplePoint point{ready_[i].time_ns, usage_[c].first, usage_[c].second};
      samples.add(index, containers_[c].name, point, ready_[i].window_seconds);
      ++points;
    }
  }
  return points;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

ReadSummary read_recorded(std::istream& in, const std::string& display_name, SampleSet& samples,
                          const PointsHook& every_points) {
  ReadSummary summary;
  std::size_t next_check = kPointsPerCheck;
  LineParser parser;
  std::vector<char> buffer(kReadBlock);
  std::size_t begin = 0, end = 0, scanned = 0, line_number = 0;
  bool at_eof = false;

  auto handle_line = [&](std::string_view line) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) return;
    ++summary.lines;
    auto added = parser.add_line(line, samples);
    if (added) {
      summary.points += *added;
      if (every_points && summary.points >= next_check) {
        every_points(samples);
        next_check = summary.points + kPointsPerCheck;
      }
      return;
    }
    ++summary.skipped;
    if (summary.warnings.size() < kMaxWarnings) {
      summary.warnings.push_back(display_name + ":" + std::to_string(line_number) + ": " +
                                 added.error().message);
    }
  };

  while (true) {
    const char* newline =
        static_cast<const char*>(std::memchr(buffer.data() + scanned, '\n', end - scanned));
    if (newline != nullptr) {
      std::size_t stop = static_cast<std::size_t>(newline - buffer.data());
      handle_line(std::string_view(buffer.data() + begin, stop - begin));
      begin = scanned = stop + 1;
      continue;
    }
    if (at_eof) {
      if (begin < end) handle_line(std::string_view(buffer.data() + begin, end - begin));
      if (every_points) every_points(samples);
      break;
    }
    // Keep the partial line, then read more after it (growing for long lines).
    std::memmove(buffer.data(), buffer.data() + begin, end - begin);
    end -= begin;
    scanned = end;
    begin = 0;
    if (buffer.size() - end < kReadBlock / 2) buffer.resize(buffer.size() * 2);
    in.read(buffer.data() + end, static_cast<std::streamsize>(buffer.size() - end));
    end += static_cast<std::size_t>(in.gcount());
    if (!in) at_eof = true;
  }
  return summary;
}

Result<ReadSummary> read_recorded_file(const std::string& path, SampleSet& samples,
                                       const PointsHook& every_points) {
  if (path == "-") {
    ReadSummary summary = read_recorded(std::cin, "-", samples, every_points);
    if (std::cin.bad()) return fail("-: error reading standard input");
    return summary;
  }
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return fail(path + ": is a directory, expected a JSON Lines file");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return fail(path + ": cannot open: " + std::strerror(errno));
  ReadSummary summary = read_recorded(file, path, samples, every_points);
  if (file.bad()) return fail(path + ": read error: " + std::strerror(errno));
  return summary;
}

}  // namespace podfit::source

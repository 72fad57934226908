#include "podfit/kube/metrics.hpp"

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

namespace podfit::kube {

namespace {

using nlohmann::json;

// True when GET /apis lists the metrics.k8s.io group.
Result<bool> metrics_group_served(ApiClient& client) {
  PODFIT_TRY_ASSIGN(body, client.get("/apis"));
  json groups = json::parse(body, nullptr, false);
  if (!groups.is_object()) return fail("GET " + client.url("/apis") + ": the response is not JSON");
  for (const json& group : groups.value("groups", json::array())) {
    if (group.value("name", "") == "metrics.k8s.io") return true;
  }
  return false;
}

// Appends the UTF-8 encoding of `code`.
void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// A strict JSON reader that keeps only what `top` and `collect` need from a
// PodMetricsList. Hand-written because a general JSON tree for 10,000 pods cost
// most of `podfit top -A`'s time. Depths: 1 the list, 2 items[], 3 a pod,
// 4 metadata or containers[], 5 a container, 6 its usage.
class PodMetricsScanner {
 public:
  explicit PodMetricsScanner(std::string_view text) : text_(text) {}

  std::vector<PodUsage> pods;
  bool saw_items = false;
  bool too_deep = false;
  std::string kind;  // the list's own "kind"
  // A PodMetricsList nests 7 deep; an answer nested past this is refused (no recursion
  // without bound on what a server sends).
  static constexpr std::size_t kMaxDepth = 64;

  bool run() {
    skip_space();
    if (!value(1)) return false;
    skip_space();
    return at_ == text_.size();
  }

 private:
  bool value(std::size_t depth) {
    if (at_ >= text_.size()) return false;
    if (depth > kMaxDepth) {
      too_deep = true;
      return false;
    }
    char c = text_[at_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      std::string_view raw;
      bool escaped = false;
      if (!string_token(raw, escaped)) return false;
      if (std::string* target = string_target(depth)) {
        if (!escaped) {
          target->assign(raw);
        } else if (!unescape(raw, *target)) {
          return false;
        }
      }
      return true;
    }
    return literal();
  }

  bool object(std::size_t depth) {
    ++at_;  // '{'
    enter(depth);
    if (depth == 3 && in_items_) pods.emplace_back();
    if (depth == 5 && in_items_ && key_at(3) == "containers") pods.back().containers.emplace_back();
    skip_space();
    if (peek('}')) return ++at_, true;
    while (true) {
      std::string_view key;
      bool escaped = false;
      skip_space();
      if (!peek('"') || !string_token(key, escaped)) return false;
      keys_[depth - 1] = key;
      skip_space();
      if (!peek(':')) return false;
      ++at_;
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek(',')) {
        ++at_;
        continue;
      }
      if (peek('}')) return ++at_, true;
      return false;
    }
  }

  bool array(std::size_t depth) {
    ++at_;  // '['
    enter(depth);
    bool items = depth == 2 && key_at(1) == "items";
    if (items) in_items_ = saw_items = true;
    skip_space();
    if (peek(']')) {
      in_items_ = in_items_ && !items;
      return ++at_, true;
    }
    while (true) {
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek(',')) {
        ++at_;
        continue;
      }
      if (!peek(']')) return false;
      ++at_;
      if (items) in_items_ = false;
      return true;
    }
  }

  // At '"': sets `raw` to the characters between the quotes.
  bool string_token(std::string_view& raw, bool& escaped) {
    std::size_t start = ++at_;
    while (true) {
      std::size_t stop = text_.find_first_of("\"\\", at_);
      if (stop == std::string_view::npos) return false;
      if (text_[stop] == '"') {
        raw = text_.substr(start, stop - start);
        at_ = stop + 1;
        return true;
      }
      escaped = true;
      at_ = stop + 2;
    }
  }

  static bool unescape(std::string_view raw, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out += raw[i];
        continue;
      }
      if (++i >= raw.size()) return false;
      switch (raw[i]) {
        case '"':
        case '\\':
        case '/':
          out += raw[i];
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto hex = [&](std::size_t from, std::uint32_t& code) {
            if (from + 4 > raw.size()) return false;
            code = 0;
            for (std::size_t k = from; k < from + 4; ++k) {
              char h = raw[k];
              int digit = h >= '0' && h <= '9'   ? h - '0'
                          : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                 : -1;
              if (digit < 0) return false;
              code = code * 16 + static_cast<std::uint32_t>(digit);
            }
            return true;
          };
          std::uint32_t code = 0;
          if (!hex(i + 1, code)) return false;
          i += 4;
          if (code >= 0xD800 && code < 0xDC00 && i + 2 < raw.size() && raw[i + 1] == '\\' &&
              raw[i + 2] == 'u') {
            std::uint32_t low = 0;
            if (!hex(i + 3, low)) return false;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
          append_utf8(out, code);
          break;
        }
        default:
          return false;
      }
    }
    return true;
  }

  // Numbers, true, false, null: checked for their characters only.
  bool literal() {
    std::size_t start = at_;
    while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) ||
                                  text_[at_] == '-' || text_[at_] == '+' || text_[at_] == '.'))
      ++at_;
    std::string_view word = text_.substr(start, at_ - start);
    if (word == "true" || word == "false" || word == "null") return true;
    return !word.empty() && (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '-');
  }

  std::string* string_target(std::size_t depth) {
    if (depth == 2 && !in_items_ && key_at(1) == "kind") return &kind;
    if (!in_items_ || pods.empty()) return nullptr;
    PodUsage& pod = pods.back();
    if (depth == 4 && key_at(3) == "timestamp") return &pod.timestamp;
    if (depth == 5 && key_at(3) == "metadata") {
      if (key_at(4) == "name") return &pod.name;
      if (key_at(4) == "namespace") return &pod.namespace_name;
    }
    if (depth < 6 || pod.containers.empty() || key_at(3) != "containers") return nullptr;
    if (depth == 6 && key_at(5) == "name") return &pod.containers.back().name;
    if (depth == 7 && key_at(5) == "usage") {
      if (key_at(6) == "cpu") return &pod.containers.back().cpu;
      if (key_at(6) == "memory") return &pod.containers.back().memory;
    }
    return nullptr;
  }

  // The key last read in the object at `depth`.
  std::string_view key_at(std::size_t depth) const { return keys_[depth - 1]; }
  void enter(std::size_t depth) {
    if (keys_.size() < depth) keys_.resize(depth);
    keys_[depth - 1] = {};
  }
  bool peek(char c) const { return at_ < text_.size() && text_[at_] == c; }
  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t'))
      ++at_;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  bool in_items_ = false;
  std::vector<std::string_view> keys_;
};

}  // namespace

std::string url_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string pod_metrics_path(const Scope& scope) {
  std::string path = "/apis/metrics.k8s.io/v1beta1";
  if (!scope.all_namespaces) path += "/namespaces/" + url_encode(scope.namespace_name);
  path += "/pods";
  if (!scope.label_selector.empty()) path += "?labelSelector=" + url_encode(scope.label_selector);
  return path;
}

Result<std::string> fetch_pod_metrics(ApiClient& client, const Scope& scope) {
  std::string path = pod_metrics_path(scope);
  auto body = client.get(path);
  if (body || client.last_status() != 404) return body;
  auto served = metrics_group_served(client);
  if (served && !*served) {
    return fail("Metrics API not available: the cluster at " + client.config().cluster.server +
                " does not serve metrics.k8s.io (is metrics-server installed and running?)");
  }
  return body;
}

Result<std::vector<PodUsage>> parse_pod_metrics_list(const std::string& body,
                                                     const std::string& origin) {
  PodMetricsScanner handler(body);
  bool parsed = handler.run();
  if (handler.too_deep) {
    return fail(origin + ": the response nests deeper than " +
                std::to_string(PodMetricsScanner::kMaxDepth) + " levels; not a PodMetricsList");
  }
  if (!parsed) return fail(origin + ": the response is not valid JSON (truncated?)");
  if (!handler.saw_items)
    return fail(origin + ": expected a PodMetricsList with an \"items\" list");
  if (!handler.kind.empty() && handler.kind != "PodMetricsList") {
    return fail(origin + ": expected a PodMetricsList, got kind \"" + handler.kind + "\"");
  }
  for (const PodUsage& pod : handler.pods) {
    if (pod.name.empty()) return fail(origin + ": a PodMetrics item has no metadata.name");
  }
  return std::move(handler.pods);
}

}  // namespace podfit::kube

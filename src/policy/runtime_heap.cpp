// find_runtime_heap: the heap a JVM, Node.js or Go runtime is told to keep to.
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "podfit/policy/workload_policy.hpp"

namespace podfit::policy {

namespace {

// Non-heap memory on top of a fixed heap (docs/policy.md, "Runtimes with a fixed heap"):
// a JVM's metaspace, code cache, thread stacks and direct buffers; V8's new space, code and
// native buffers beyond the old space; Go's GOMEMLIMIT already counts the whole runtime.
constexpr double kJvmOverhead = 1.3;
constexpr double kNodeOverhead = 1.5;
constexpr double kGoOverhead = 1.1;

// "512m", "2g", "1048576" (bytes) as the JVM reads -Xmx.
std::optional<double> jvm_size(const std::string& text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  std::string unit(end);
  double scale = unit.empty()                 ? 1
                 : unit == "k" || unit == "K" ? 1024.0
                 : unit == "m" || unit == "M" ? 1024.0 * 1024
                 : unit == "g" || unit == "G" ? 1024.0 * 1024 * 1024
                 : unit == "t" || unit == "T" ? 1024.0 * 1024 * 1024 * 1024
                                              : -1;
  if (scale < 0) return std::nullopt;
  return number * scale;
}

// GOMEMLIMIT: bytes with an optional B, KiB, MiB, GiB or TiB suffix.
std::optional<double> go_size(const std::string& text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  std::string unit(end);
  double scale = unit.empty() || unit == "B" ? 1
                 : unit == "KiB"             ? 1024.0
                 : unit == "MiB"             ? 1024.0 * 1024
                 : unit == "GiB"             ? 1024.0 * 1024 * 1024
                 : unit == "TiB"             ? 1024.0 * 1024 * 1024 * 1024
                                             : -1;
  if (scale < 0) return std::nullopt;
  return number * scale;
}

void read_token(const std::string& token, std::optional<RuntimeHeap>& heap) {
  auto value_after = [&](const std::string& prefix) -> std::optional<std::string> {
    if (token.rfind(prefix, 0) != 0) return std::nullopt;
    return token.substr(prefix.size());
  };
  if (auto size = value_after("-Xmx")) {
    if (auto bytes = jvm_size(*size)) heap = RuntimeHeap{"JVM", token, *bytes, 0, kJvmOverhead};
  } else if (auto size = value_after("-XX:MaxHeapSize=")) {
    if (auto bytes = jvm_size(*size)) heap = RuntimeHeap{"JVM", token, *bytes, 0, kJvmOverhead};
  } else if (auto percent = value_after("-XX:MaxRAMPercentage=")) {
    double value = std::atof(percent->c_str());
    if (value > 0 && value <= 100) heap = RuntimeHeap{"JVM", token, 0, value, kJvmOverhead};
  } else if (auto megabytes = value_after("--max-old-space-size=")) {
    double value = std::atof(megabytes->c_str());
    if (value > 0) heap = RuntimeHeap{"Node.js", token, value * 1024 * 1024, 0, kNodeOverhead};
  }
}

void read_words(const std::string& text, std::optional<RuntimeHeap>& heap) {
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    // "-Xmx512m" may sit in quotes inside a `sh -c` line.
    while (!word.empty() && (word.front() == '"' || word.front() == '\'')) word.erase(0, 1);
    while (!word.empty() && (word.back() == '"' || word.back() == '\'' || word.back() == ';')) {
      word.pop_back();
    }
    read_token(word, heap);
  }
}

}  // namespace

std::optional<RuntimeHeap> find_runtime_heap(const ContainerFacts& container) {
  std::optional<RuntimeHeap> heap;
  // The JVM reads JDK_JAVA_OPTIONS and JAVA_TOOL_OPTIONS before the command line, which wins.
  for (const char* name : {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "NODE_OPTIONS"}) {
    if (auto found = container.env.find(name); found != container.env.end()) {
      read_words(found->second, heap);
    }
  }
  for (const std::string& argument : container.command_line) read_words(argument, heap);
  if (auto found = container.env.find("GOMEMLIMIT"); found != container.env.end()) {
    if (auto bytes = go_size(found->second)) {
      heap = RuntimeHeap{"Go", "GOMEMLIMIT=" + found->second, *bytes, 0, kGoOverhead};
    }
  }
  return heap;
}

}  // namespace podfit::policy

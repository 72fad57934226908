// `kubectl top pod` output: the same columns, rounding, sorting and padding.
#pragma once

#include <string>
#include <vector>

#include "podfit/core/columns.hpp"
#include "podfit/core/error.hpp"
#include "podfit/kube/metrics.hpp"

namespace podfit::kube {

enum class TopSort { name, cpu, memory };

struct TopOptions {
  bool containers = false;      // --containers: one line per container
  bool with_namespace = false;  // -A: a NAMESPACE column
  TopSort sort = TopSort::name;
  bool no_headers = false;  // --no-headers
};

// "cpu" / "memory" / "" -> TopSort; anything else is kubectl's usage error.
Result<TopSort> parse_top_sort(const std::string& text);

// CPU as kubectl prints it: millicores rounded up ("3m"); memory in whole Mi,
// rounded down ("6Mi"). Errors quote a malformed quantity.
Result<std::string> format_top_cpu(const std::string& quantity);
Result<std::string> format_top_memory(const std::string& quantity);

// The same from amounts in base units (cores, bytes), ignoring float noise below 10^-6.
std::string format_top_cores(double cores);
std::string format_top_bytes(double bytes);

// Columns padded like Go's tabwriter in kubectl: minimum width 6, 3 spaces of padding,
// trailing padding kept.
inline constexpr ColumnStyle kTopColumns{.padding = 3, .min_width = 6, .pad_last = true};

// The table, columns padded like Go's tabwriter in kubectl (3 spaces, trailing
// padding kept). Empty text for no pods.
Result<std::string> format_top_table(std::vector<PodUsage> pods, const TopOptions& options);

}  // namespace podfit::kube

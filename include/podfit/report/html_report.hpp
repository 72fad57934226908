// The HTML report: one self-contained file (inline CSS and SVG, a few lines of inline
// script to sort a table, no network access) with, per container, its usage over time
// against the current and recommended requests and limits.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "podfit/backtest/backtest.hpp"
#include "podfit/core/container_event.hpp"
#include "podfit/history/history.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::report {

// A container's usage over its time range, reduced to what a chart draws (per pixel
// column, the lowest and highest value of every pod; a compacted hour adds its own).
struct UsageColumns {
  std::int64_t begin_ns = 0, end_ns = 0;
  std::vector<double> cpu_low, cpu_high, memory_low, memory_high;  // empty: no usage
};

// One container of the report.
struct HtmlContainer {
  const policy::Recommendation* recommendation = nullptr;
  UsageColumns usage;
  std::vector<ContainerEvent> events;  // its restarts and OOM kills
  std::string diff;                    // the diff that applies it (patch); empty: none
};

struct HtmlReport {
  std::string title = "podfit report";
  std::string generated_at;  // RFC 3339
  std::vector<HtmlContainer> containers;
};

// Each recommendation with its container's usage (from `from_ns` on) and events from
// `history`, in two passes over it and without copying a point.
std::vector<HtmlContainer> html_containers(const std::vector<policy::Recommendation>& all,
                                           const history::History& history,
                                           std::int64_t from_ns = INT64_MIN);

void write_html(std::ostream& out, const HtmlReport& report);

// A backtest: totals per policy, reserve against risk as a chart, and per container the
// test period with each policy's requests and limits.
void write_backtest_html(std::ostream& out, const backtest::BacktestResult& result,
                         const history::History& history, const std::string& generated_at);

}  // namespace podfit::report

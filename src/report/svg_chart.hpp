// Inline SVG charts for the HTML reports: usage over time as a min/max envelope per pixel
// column (short spikes stay visible), horizontal lines for requests, limits and
// percentiles, points above a threshold and events on the time axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "podfit/core/sample_set.hpp"

namespace podfit::report {

enum class Unit { cpu, memory };

// A labelled horizontal line. `css` picks its style: current, request, limit, stat.
struct ChartLine {
  double value = 0;
  std::string label;  // "new request 76m": the value in the label is what a reader sees
  std::string css;
};

// An event on the time axis (an OOM kill, a restart).
struct ChartMark {
  std::int64_t time_ns = 0;
  std::string label;
  std::string css;  // oom, restart
};

inline constexpr int kChartColumns = 360;  // plot width in px: one column per px

// Usage reduced to what a chart draws: per pixel column of [begin_ns, end_ns] the lowest
// and highest value, so a chart needs no copy of the points it shows.
struct Envelope {
  std::int64_t begin_ns = 0, end_ns = 0;
  std::vector<double> low, high;  // kChartColumns each once the first value is added

  Envelope() = default;
  Envelope(std::int64_t begin, std::int64_t end) : begin_ns(begin), end_ns(end) {}
  int column(std::int64_t time_ns) const;
  void add(std::int64_t time_ns, double value);
  bool empty() const { return low.empty(); }
};

struct Chart {
  std::string title;
  Unit unit = Unit::cpu;
  Envelope envelope;  // its time range is the chart's time axis
  std::vector<ChartLine> lines;
  std::vector<ChartMark> marks;
  double mark_above = -1;  // columns whose highest value is above it get a marker (< 0: none)
};

// A value as the charts write it: "250m", "1.5" cores; "64Mi", "1.5Gi".
std::string unit_text(Unit unit, double value);

// The chart as an <svg> element. Every tick label and line label holds its value as text
// (class "tick-y" / "hline"), so a reader, or a test, can check each line against the axis.
std::string svg_chart(const Chart& chart);

// A scatter of labelled points (x: a share, y: an amount) for the backtest's
// reserve-against-risk comparison.
struct ScatterPoint {
  double x = 0;  // share 0..1
  double y = 0;
  std::string label;
};
std::string svg_scatter(const std::string& title, const std::string& x_label, Unit y_unit,
                        const std::vector<ScatterPoint>& points);

// Text made safe for HTML and SVG.
std::string escape_html(const std::string& text);

}  // namespace podfit::report

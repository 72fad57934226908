// Inline SVG charts: one pass over the points into per-column minima and maxima, drawn as
// one path of vertical strokes, so a chart costs a few kB whatever the history holds.
#include "report/svg_chart.hpp"

#include "report/cells.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <sstream>

namespace podfit::report {

namespace {

constexpr int kColumns = kChartColumns;
constexpr int kPlotLeft = 56;
constexpr int kPlotTop = 22;
constexpr int kPlotHeight = 140;
constexpr int kLegendWidth = 190;
constexpr int kWidth = kPlotLeft + kColumns + kLegendWidth;
constexpr int kHeight = kPlotTop + kPlotHeight + 34;
constexpr int kMaxMarkedPoints = 120;
constexpr double kMi = 1024.0 * 1024.0;
constexpr double kGi = 1024.0 * kMi;

std::string px(double value) {
  return detail::formatted("%.2f", value);
}

// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
double nice_step(double raw) {
  if (!(raw > 0)) return 1;
  double power = std::pow(10, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (factor * power >= raw * (1 - 1e-12)) return factor * power;
  }
  return 10 * power;
}

// The axis top: four ticks of a nice step (memory steps in Mi), above every value drawn.
double axis_top(Unit unit, double highest) {
  if (!(highest > 0)) highest = unit == Unit::cpu ? 0.001 : kMi;
  double scale = unit == Unit::cpu ? 1.0 : kMi;
  return 4 * nice_step(highest * 1.05 / 4 / scale) * scale;
}

std::string time_text(std::int64_t time_ns) {
  std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &parts);
  return buffer;
}

struct Scale {
  std::int64_t begin_ns = 0, end_ns = 0;
  double top = 1;
  double x(std::int64_t time_ns) const {
    if (end_ns <= begin_ns) return kPlotLeft;
    double share = static_cast<double>(time_ns - begin_ns) / static_cast<double>(end_ns - begin_ns);
    return kPlotLeft + std::clamp(share, 0.0, 1.0) * (kColumns - 1);
  }
  double y(double value) const { return kPlotTop + kPlotHeight * (1 - value / top); }
};

// The envelope: per column the lowest and highest value, one stroke each.
std::string envelope_path(const Envelope& envelope, const Scale& scale) {
  std::ostringstream path;
  if (envelope.empty()) return "";
  for (int column = 0; column < kColumns; ++column) {
    if (!(envelope.high[column] >= envelope.low[column])) continue;
    auto top = static_cast<long>(std::floor(scale.y(envelope.high[column])));
    auto bottom = static_cast<long>(std::ceil(scale.y(envelope.low[column])));
    path << 'M' << kPlotLeft + column << ' ' << top << 'V' << std::max(bottom, top + 1);
  }
  return path.str();
}

std::string marked_points(const Chart& chart, const Scale& scale) {
  if (chart.mark_above < 0 || chart.envelope.empty()) return "";
  std::ostringstream out;
  int marked = 0;
  for (int column = 0; column < kColumns && marked < kMaxMarkedPoints; ++column) {
    double high = chart.envelope.high[column];
    if (!(high > chart.mark_above)) continue;
    ++marked;
    out << "<circle class=\"over\" cx=\"" << kPlotLeft + column << "\" cy=\"" << px(scale.y(high))
        << "\" r=\"2.5\"/>";
  }
  return out.str();
}

std::string axes(const Chart& chart, const Scale& scale) {
  std::ostringstream out;
  for (int tick = 0; tick <= 4; ++tick) {
    double value = scale.top * tick / 4;
    double y = scale.y(value);
    out << "<line class=\"grid\" x1=\"" << kPlotLeft << "\" x2=\"" << kPlotLeft + kColumns
        << "\" y1=\"" << px(y) << "\" y2=\"" << px(y) << "\"/>"
        << "<text class=\"tick-y\" x=\"" << kPlotLeft - 4 << "\" y=\"" << px(y + 3.5)
        << "\" data-y=\"" << px(y) << "\">" << unit_text(chart.unit, value) << "</text>";
  }
  int axis_y = kPlotTop + kPlotHeight + 14;
  out << "<text class=\"tick-x\" x=\"" << kPlotLeft << "\" y=\"" << axis_y << "\">"
      << time_text(scale.begin_ns) << "</text><text class=\"tick-x end\" x=\""
      << kPlotLeft + kColumns << "\" y=\"" << axis_y << "\">" << time_text(scale.end_ns)
      << "</text>";
  for (const ChartMark& mark : chart.marks) {
    double x = scale.x(mark.time_ns);
    double y = kPlotTop + kPlotHeight;
    out << "<path class=\"mark " << mark.css << "\" d=\"M" << px(x) << ' ' << px(y) << "l-4 8h8z\">"
        << "<title>" << escape_html(mark.label + " " + time_text(mark.time_ns))
        << "</title></path>";
  }
  return out.str();
}

// The lines and, in the legend column, their labels, moved apart where they would overlap.
std::string lines(const Chart& chart, const Scale& scale) {
  std::vector<std::pair<double, const ChartLine*>> placed;
  for (const ChartLine& line : chart.lines) placed.emplace_back(scale.y(line.value), &line);
  std::stable_sort(placed.begin(), placed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::ostringstream out;
  double previous_label = -INFINITY;
  for (const auto& [y, line] : placed) {
    double label_y = std::max(y + 3.5, previous_label + 11);
    previous_label = label_y;
    int legend_x = kPlotLeft + kColumns + 8;
    out << "<g class=\"hline " << line->css << "\"><line x1=\"" << kPlotLeft << "\" x2=\""
        << kPlotLeft + kColumns << "\" y1=\"" << px(y) << "\" y2=\"" << px(y) << "\"/>"
        << "<path class=\"leader\" d=\"M" << kPlotLeft + kColumns << ' ' << px(y) << "L"
        << legend_x - 2 << ' ' << px(label_y - 3.5) << "\"/><text x=\"" << legend_x << "\" y=\""
        << px(label_y) << "\">" << escape_html(line->label) << "</text></g>";
  }
  return out.str();
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string unit_text(Unit unit, double value) {
  if (unit == Unit::cpu) {
    if (value == 0) return "0";
    if (value >= 1) return detail::formatted("%.4g", value);
    return detail::formatted("%.4g", value * 1000) + "m";
  }
  if (value == 0) return "0";
  // Exact where the value allows it (axis ticks are whole Mi): a reader, or a test, can
  // read the scale off the labels.
  if (value >= kGi && std::fmod(value, kGi / 4) == 0)
    return detail::formatted("%.4g", value / kGi) + "Gi";
  if (value >= kMi && std::fmod(value, kMi) == 0 && value < 100000 * kMi) {
    return detail::formatted("%.0f", value / kMi) + "Mi";
  }
  if (value >= kGi) return detail::formatted("%.4g", value / kGi) + "Gi";
  if (value >= kMi) return detail::formatted("%.4g", value / kMi) + "Mi";
  return detail::formatted("%.4g", value / 1024) + "Ki";
}

int Envelope::column(std::int64_t time_ns) const {
  if (end_ns <= begin_ns) return 0;
  double share = static_cast<double>(time_ns - begin_ns) / static_cast<double>(end_ns - begin_ns);
  return std::clamp(static_cast<int>(std::lround(share * (kColumns - 1))), 0, kColumns - 1);
}

void Envelope::add(std::int64_t time_ns, double value) {
  if (low.empty()) {
    low.assign(kColumns, INFINITY);
    high.assign(kColumns, -INFINITY);
  }
  int at = column(time_ns);
  low[at] = std::min(low[at], value);
  high[at] = std::max(high[at], value);
}

std::string svg_chart(const Chart& chart) {
  Scale scale;
  scale.begin_ns = chart.envelope.begin_ns;
  scale.end_ns = chart.envelope.end_ns;
  double highest = 0;
  for (double value : chart.envelope.high) {
    if (std::isfinite(value)) highest = std::max(highest, value);
  }
  for (const ChartLine& line : chart.lines) highest = std::max(highest, line.value);
  scale.top = axis_top(chart.unit, highest);
  std::ostringstream out;
  out << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << kWidth << ' '
      << kHeight << "\" width=\"" << kWidth << "\" height=\"" << kHeight << "\" role=\"img\">"
      << "<title>" << escape_html(chart.title) << "</title>"
      << "<text class=\"chart-title\" x=\"" << kPlotLeft << "\" y=\"14\">"
      << escape_html(chart.title) << "</text>" << axes(chart, scale) << "<path class=\"usage\" d=\""
      << envelope_path(chart.envelope, scale) << "\"/>" << marked_points(chart, scale)
      << lines(chart, scale) << "</svg>";
  return out.str();
}

std::string svg_scatter(const std::string& title, const std::string& x_label, Unit y_unit,
                        const std::vector<ScatterPoint>& points) {
  double highest_x = 0, highest_y = 0;
  for (const ScatterPoint& point : points) {
    highest_x = std::max(highest_x, point.x);
    highest_y = std::max(highest_y, point.y);
  }
  double top_x = 4 * nice_step(std::max(highest_x, 1e-4) * 1.1 / 4);
  Scale scale;
  scale.top = axis_top(y_unit, highest_y);
  std::ostringstream out;
  out << "<svg class=\"chart scatter\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
      << kWidth << ' ' << kHeight << "\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" role=\"img\"><title>" << escape_html(title)
      << "</title><text class=\"chart-title\" x=\"" << kPlotLeft << "\" y=\"14\">"
      << escape_html(title) << "</text>";
  for (int tick = 0; tick <= 4; ++tick) {
    double y = scale.y(scale.top * tick / 4);
    double x = kPlotLeft + (kColumns - 1) * tick / 4.0;
    out << "<line class=\"grid\" x1=\"" << kPlotLeft << "\" x2=\"" << kPlotLeft + kColumns
        << "\" y1=\"" << px(y) << "\" y2=\"" << px(y) << "\"/><text class=\"tick-y\" x=\""
        << kPlotLeft - 4 << "\" y=\"" << px(y + 3.5) << "\" data-y=\"" << px(y) << "\">"
        << unit_text(y_unit, scale.top * tick / 4) << "</text><text class=\"tick-x\" x=\"" << px(x)
        << "\" y=\"" << kPlotTop + kPlotHeight + 14 << "\">"
        << detail::formatted("%.3g", 100 * top_x * tick / 4) << "%</text>";
  }
  out << "<text class=\"axis-label\" x=\"" << kPlotLeft + kColumns / 2 << "\" y=\"" << kHeight - 4
      << "\">" << escape_html(x_label) << "</text>";
  for (const ScatterPoint& point : points) {
    double x = kPlotLeft + (kColumns - 1) * std::min(point.x / top_x, 1.0);
    double y = scale.y(point.y);
    out << "<g class=\"point\"><circle cx=\"" << px(x) << "\" cy=\"" << px(y)
        << "\" r=\"4\"/><text x=\"" << px(x + 6) << "\" y=\"" << px(y - 6) << "\">"
        << escape_html(point.label) << "</text></g>";
  }
  out << "</svg>";
  return out.str();
}

}  // namespace podfit::report

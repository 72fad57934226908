#include "podfit/report/report.hpp"

#include <algorithm>

#include "report/cells.hpp"

#include "podfit/core/columns.hpp"

namespace podfit::report {
namespace {

using detail::Cell;
using detail::Tone;

const char* ansi_colour(Tone tone) {
  switch (tone) {
    case Tone::up:
      return "\033[33m";  // yellow: asks for more
    case Tone::down:
      return "\033[32m";  // green: frees resources
    case Tone::muted:
      return "\033[2m";
    case Tone::plain:
      break;
  }
  return "";
}

void write_footer(std::ostream& out, const std::vector<policy::Recommendation>& recommendations,
                  const std::string& bullet) {
  for (const auto& recommendation : recommendations) {
    if (!recommendation.has_recommendation) continue;
    out << bullet << detail::container_label(recommendation) << ": " << recommendation.reason
        << '\n';
  }
}

void write_table(std::ostream& out, const std::vector<policy::Recommendation>& recommendations,
                 bool color) {
  const auto& headers = detail::column_headers();
  std::vector<std::vector<Cell>> rows;
  for (const auto& recommendation : recommendations)
    rows.push_back(detail::row_cells(recommendation));
  std::vector<std::vector<ColumnCell>> table;
  std::vector<ColumnCell>& header_row = table.emplace_back();
  for (const auto& header : headers) header_row.push_back({header, {}, {}});
  for (const auto& row : rows) {
    std::vector<ColumnCell>& line = table.emplace_back();
    for (const Cell& cell : row) {
      const char* colour = color ? ansi_colour(cell.tone) : "";
      line.push_back({cell.text, colour, *colour != '\0' ? "\033[0m" : ""});
    }
  }
  out << format_columns(table, ColumnStyle{.padding = 2});
  if (std::any_of(recommendations.begin(), recommendations.end(),
                  [](const auto& r) { return r.has_recommendation; })) {
    out << "\nWhy:\n";
    write_footer(out, recommendations, "  ");
  }
}

std::string markdown_cell(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c == '\n' ? ' ' : c;
  }
  return escaped;
}

void write_markdown(std::ostream& out, const std::vector<policy::Recommendation>& recommendations) {
  const auto& headers = detail::column_headers();
  out << '|';
  for (const auto& header : headers) out << ' ' << header << " |";
  out << "\n|";
  for (std::size_t i = 0; i < headers.size(); ++i) out << " --- |";
  out << '\n';
  for (const auto& recommendation : recommendations) {
    out << '|';
    for (const Cell& cell : detail::row_cells(recommendation)) {
      out << ' ' << markdown_cell(cell.text) << " |";
    }
    out << '\n';
  }
  if (std::any_of(recommendations.begin(), recommendations.end(),
                  [](const auto& r) { return r.has_recommendation; })) {
    out << "\n**Why:**\n\n";
    write_footer(out, recommendations, "- ");
  }
}

}  // namespace

Result<Format> parse_format(const std::string& name) {
  if (name == "table") return Format::table;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  if (name == "markdown" || name == "md") return Format::markdown;
  return fail("unknown output format \"" + name + "\" (use table, json, csv or markdown)");
}

void write_report(std::ostream& out, const std::vector<policy::Recommendation>& recommendations,
                  const ReportOptions& options) {
  switch (options.format) {
    case Format::table:
      write_table(out, recommendations, options.color);
      return;
    case Format::json:
      detail::write_json(out, recommendations);
      return;
    case Format::csv:
      detail::write_csv(out, recommendations);
      return;
    case Format::markdown:
      write_markdown(out, recommendations);
      return;
  }
}

}  // namespace podfit::report

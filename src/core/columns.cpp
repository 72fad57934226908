#include "podfit/core/columns.hpp"

#include <algorithm>

namespace podfit {

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string format_columns(const std::vector<std::vector<ColumnCell>>& rows, ColumnStyle style) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i].text));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const ColumnCell& cell = row[i];
      out += cell.before + cell.text + cell.after;
      if (i + 1 == row.size() && !style.pad_last) break;
      std::size_t width = std::max(widths[i] + style.padding, style.min_width);
      out.append(width - display_width(cell.text), ' ');
    }
    out += '\n';
  }
  return out;
}

std::string format_columns(const std::vector<std::vector<std::string>>& rows, ColumnStyle style) {
  std::vector<std::vector<ColumnCell>> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) {
    std::vector<ColumnCell>& line = cells.emplace_back();
    for (const std::string& text : row) line.push_back({text, {}, {}});
  }
  return format_columns(cells, style);
}

}  // namespace podfit

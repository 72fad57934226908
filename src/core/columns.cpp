#include "podfit/core/columns.hpp"

#include <algorithm>

namespace podfit {

namespace {

const std::string& text_of(const std::string& cell) {
  return cell;
}
const std::string& text_of(const ColumnCell& cell) {
  return cell.text;
}
void append(std::string& out, const std::string& cell) {
  out += cell;
}
void append(std::string& out, const ColumnCell& cell) {
  out += cell.before;
  out += cell.text;
  out += cell.after;
}

// Both overloads, without copying the cells (`top -A` renders tens of thousands).
template <class Cell>
std::string render(const std::vector<std::vector<Cell>>& rows, ColumnStyle style) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(text_of(row[i])));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      append(out, row[i]);
      if (i + 1 == row.size() && !style.pad_last) break;
      std::size_t width = std::max(widths[i] + style.padding, style.min_width);
      out.append(width - display_width(text_of(row[i])), ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string format_columns(const std::vector<std::vector<ColumnCell>>& rows, ColumnStyle style) {
  return render(rows, style);
}

std::string format_columns(const std::vector<std::vector<std::string>>& rows, ColumnStyle style) {
  return render(rows, style);
}

}  // namespace podfit

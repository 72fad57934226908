// Text tables in aligned columns: the one renderer behind `recommend`, `backtest`
// and `top` (each with its own spacing).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace podfit {

struct ColumnCell {
  std::string text;
  std::string before, after;  // e.g. ANSI colour around the text; take no width
};

struct ColumnStyle {
  std::size_t padding = 2;    // spaces after the widest cell of a column
  std::size_t min_width = 0;  // a column, padding included, is at least this wide
  bool pad_last = false;      // pad the last cell too (Go's tabwriter, as kubectl)
};

// Columns as wide as their widest cell (in display columns: UTF-8 continuation bytes
// take none) plus the padding; one line per row, each ending in '\n'.
std::string format_columns(const std::vector<std::vector<ColumnCell>>& rows, ColumnStyle style);
std::string format_columns(const std::vector<std::vector<std::string>>& rows, ColumnStyle style);

std::size_t display_width(const std::string& text);

}  // namespace podfit

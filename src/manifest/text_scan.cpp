#include "manifest/text_scan.hpp"

#include <algorithm>

namespace podfit::manifest::detail {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_break(char c) {
  return c == '\n' || c == '\r';
}
bool is_flow_indicator(char c) {
  return c == ',' || c == '}' || c == ']';
}

std::size_t quoted_end(std::string_view text, std::size_t pos) {
  char quote = text[pos];
  std::size_t i = pos + 1;
  while (i < text.size()) {
    char c = text[i];
    if (quote == '"' && c == '\\') {
      i += 2;
      continue;
    }
    if (c == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        i += 2;  // '' is an escaped quote inside single quotes
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return text.size();
}

}  // namespace

std::size_t line_start(std::string_view text, std::size_t pos) {
  pos = std::min(pos, text.size());
  while (pos > 0 && text[pos - 1] != '\n') --pos;
  return pos;
}

std::size_t next_line(std::string_view text, std::size_t pos) {
  std::size_t newline = text.find('\n', pos);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

std::size_t line_content_end(std::string_view text, std::size_t pos) {
  std::size_t newline = text.find('\n', pos);
  if (newline == std::string_view::npos) return text.size();
  if (newline > pos && text[newline - 1] == '\r') return newline - 1;
  return newline;
}

std::size_t column_of(std::string_view text, std::size_t pos) {
  return pos - line_start(text, pos);
}

std::size_t line_number(std::string_view text, std::size_t pos) {
  pos = std::min(pos, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

std::string detect_newline(std::string_view text) {
  std::size_t newline = text.find('\n');
  if (newline != std::string_view::npos && newline > 0 && text[newline - 1] == '\r') {
    return "\r\n";
  }
  return "\n";
}

std::size_t scalar_end(std::string_view text, std::size_t pos, bool flow, bool as_key) {
  if (pos >= text.size()) return text.size();
  if (text[pos] == '"' || text[pos] == '\'') return quoted_end(text, pos);
  std::size_t i = pos;
  while (i < text.size()) {
    char c = text[i];
    if (is_break(c)) break;
    if (c == '#' && i > pos && is_blank(text[i - 1])) break;
    if (flow && is_flow_indicator(c)) break;
    if (as_key && c == ':') {
      char next = i + 1 < text.size() ? text[i + 1] : '\n';
      if (is_blank(next) || is_break(next) || (flow && is_flow_indicator(next))) break;
    }
    ++i;
  }
  while (i > pos && is_blank(text[i - 1])) --i;
  return i;
}

std::size_t flow_end(std::string_view text, std::size_t pos) {
  int depth = 0;
  std::size_t i = pos;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      i = quoted_end(text, i);
      continue;
    }
    if (c == '#' && (i == 0 || is_blank(text[i - 1]) || is_break(text[i - 1]))) {
      i = line_content_end(text, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
    ++i;
  }
  return std::string_view::npos;
}

std::size_t skip_blanks(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_blank(text[pos])) ++pos;
  return pos;
}

std::size_t skip_blanks_and_comments(std::string_view text, std::size_t pos) {
  while (pos < text.size()) {
    char c = text[pos];
    if (is_blank(c) || is_break(c)) {
      ++pos;
    } else if (c == '#') {
      pos = line_content_end(text, pos);
    } else {
      break;
    }
  }
  return pos;
}

bool only_spaces_before(std::string_view text, std::size_t pos) {
  for (std::size_t i = line_start(text, pos); i < pos; ++i) {
    if (text[i] != ' ') return false;
  }
  return true;
}

}  // namespace podfit::manifest::detail

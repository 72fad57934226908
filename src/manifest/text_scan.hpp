// Byte-level helpers for editing YAML text in place: line boundaries, scalar
// and flow-collection extents, newline style. yaml-cpp only reports where a
// node starts, so where it ends is worked out here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace podfit::manifest::detail {

// Offset of the first byte of the line holding `pos`.
std::size_t line_start(std::string_view text, std::size_t pos);
// Offset just past the '\n' ending the line holding `pos` (text.size() on the last line).
std::size_t next_line(std::string_view text, std::size_t pos);
// Offset of the line's terminator ('\r' of "\r\n", or '\n', or text.size()).
std::size_t line_content_end(std::string_view text, std::size_t pos);
// Column of `pos` within its line.
std::size_t column_of(std::string_view text, std::size_t pos);
// 1-based line number of `pos`.
std::size_t line_number(std::string_view text, std::size_t pos);

// "\r\n" when the first line ends that way, else "\n".
std::string detect_newline(std::string_view text);

// End (exclusive) of the scalar starting at `pos`: after the closing quote of a
// quoted scalar; for a plain scalar before " #", the line end, trailing blanks
// and, in flow context, before ',', '}' or ']'. With `as_key`, a plain scalar
// also ends before a ':' that is followed by a blank (or, in flow, by ",}]").
std::size_t scalar_end(std::string_view text, std::size_t pos, bool flow, bool as_key = false);

// End (exclusive) of the flow collection whose '{' or '[' is at `pos`;
// std::string_view::npos when it is not closed.
std::size_t flow_end(std::string_view text, std::size_t pos);

// First offset >= pos that is not a space or tab.
std::size_t skip_blanks(std::string_view text, std::size_t pos);
// From `pos`, skips blanks, comments and line breaks.
std::size_t skip_blanks_and_comments(std::string_view text, std::size_t pos);

// Whether the line holding `pos` has only spaces before `pos`.
bool only_spaces_before(std::string_view text, std::size_t pos);

}  // namespace podfit::manifest::detail

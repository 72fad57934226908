// unified_diff: a git-style diff of two texts, line by line (via dtl).
#include <algorithm>
#include <string>
#include <vector>

#include <dtl/dtl.hpp>

#include "podfit/manifest/editor.hpp"

#include <filesystem>

namespace podfit::manifest {

namespace {

constexpr std::size_t kContext = 3;

// Lines with their '\n' kept, so that a last line without one differs from
// the same line with one (and can be marked "No newline at end of file").
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t newline = text.find('\n', start);
    std::size_t end = newline == std::string::npos ? text.size() : newline + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

struct Op {
  char kind;  // ' ', '-', '+'
  std::size_t old_index;
  std::size_t new_index;
  const std::string* line;
};

std::vector<Op> edit_script(const std::vector<std::string>& before,
                            const std::vector<std::string>& after) {
  dtl::Diff<std::string, std::vector<std::string>> diff(before, after);
  diff.compose();
  std::vector<Op> ops;
  std::size_t old_index = 0;
  std::size_t new_index = 0;
  for (const auto& [line, info] : diff.getSes().getSequence()) {
    if (info.type == dtl::SES_COMMON) {
      ops.push_back(Op{' ', old_index, new_index, &before[old_index]});
      ++old_index;
      ++new_index;
    } else if (info.type == dtl::SES_DELETE) {
      ops.push_back(Op{'-', old_index, new_index, &before[old_index]});
      ++old_index;
    } else {
      ops.push_back(Op{'+', old_index, new_index, &after[new_index]});
      ++new_index;
    }
  }
  // In each run of changed lines the removed ones first, as git writes them.
  for (std::size_t begin = 0; begin < ops.size();) {
    std::size_t end = begin;
    while (end < ops.size() && ops[end].kind != ' ') ++end;
    std::stable_partition(ops.begin() + begin, ops.begin() + end,
                          [](const Op& op) { return op.kind == '-'; });
    begin = end == begin ? begin + 1 : end;
  }
  old_index = new_index = 0;
  for (Op& op : ops) {
    op.old_index = old_index;
    op.new_index = new_index;
    old_index += op.kind != '+';
    new_index += op.kind != '-';
  }
  return ops;
}

struct Colors {
  const char* header = "";
  const char* hunk = "";
  const char* removed = "";
  const char* added = "";
  const char* reset = "";
};

std::string range(std::size_t start, std::size_t count) {
  // An empty range names the line before it, as diff and git do.
  std::string text = std::to_string(count == 0 ? start : start + 1);
  if (count != 1) {
    text += ',';
    text += std::to_string(count);
  }
  return text;
}

void write_hunk(const std::vector<Op>& ops, std::size_t first, std::size_t last,
                const Colors& colors, std::string& out) {
  std::size_t old_count = 0;
  std::size_t new_count = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (ops[i].kind != '+') ++old_count;
    if (ops[i].kind != '-') ++new_count;
  }
  out += std::string(colors.hunk) + "@@ -" + range(ops[first].old_index, old_count) + " +" +
         range(ops[first].new_index, new_count) + " @@" + colors.reset + "\n";
  for (std::size_t i = first; i <= last; ++i) {
    const char* color = ops[i].kind == '-'   ? colors.removed
                        : ops[i].kind == '+' ? colors.added
                                             : "";
    const std::string& line = *ops[i].line;
    bool has_newline = !line.empty() && line.back() == '\n';
    std::string body = has_newline ? line.substr(0, line.size() - 1) : line;
    out += std::string(color) + ops[i].kind + body + (*color ? colors.reset : "") + "\n";
    if (!has_newline) out += "\\ No newline at end of file\n";
  }
}

}  // namespace

std::string diff_path(const std::string& path, const std::string& cwd) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path file = fs::weakly_canonical(fs::absolute(fs::path(cwd) / path, error), error);
  if (error) return path;
  for (fs::path folder = file.parent_path(); !folder.empty(); folder = folder.parent_path()) {
    if (fs::exists(folder / ".git", error)) return file.lexically_relative(folder).string();
    if (folder == folder.root_path()) break;
  }
  fs::path base = fs::weakly_canonical(fs::path(cwd), error);
  fs::path relative = file.lexically_relative(base);
  if (error || relative.empty() || *relative.begin() == "..") return file.string();
  return relative.string();
}

std::string unified_diff(const std::string& path, const std::string& before,
                         const std::string& after, bool color) {
  if (before == after) return "";
  std::vector<std::string> old_lines = split_lines(before);
  std::vector<std::string> new_lines = split_lines(after);
  std::vector<Op> ops = edit_script(old_lines, new_lines);
  Colors colors;
  if (color) colors = Colors{"\033[1m", "\033[36m", "\033[31m", "\033[32m", "\033[m"};

  std::string out;
  out += std::string(colors.header) + "diff --git a/" + path + " b/" + path + colors.reset + "\n";
  out += std::string(colors.header) + "--- a/" + path + colors.reset + "\n";
  out += std::string(colors.header) + "+++ b/" + path + colors.reset + "\n";

  // Changes closer than 2 * context lines share a hunk (as in git and GNU diff).
  std::size_t i = 0;
  while (i < ops.size()) {
    if (ops[i].kind == ' ') {
      ++i;
      continue;
    }
    std::size_t first = i >= kContext ? i - kContext : 0;
    std::size_t last_change = i;
    std::size_t j = i + 1;
    while (j < ops.size()) {
      if (ops[j].kind != ' ') {
        last_change = j;
      } else if (j - last_change > 2 * kContext) {
        break;
      }
      ++j;
    }
    std::size_t last = std::min(ops.size() - 1, last_change + kContext);
    write_hunk(ops, first, last, colors, out);
    i = last + 1;
  }
  return out;
}

}  // namespace podfit::manifest

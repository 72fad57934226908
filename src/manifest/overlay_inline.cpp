// Inline patches of a kustomization (`patch: |-`, a `patchesStrategicMerge` string): the
// block scalar's lines without their indentation are the patch's own YAML text, edited
// like any patch file, and put back line by line.
#include <yaml-cpp/yaml.h>
#include <algorithm>

#include <dtl/dtl.hpp>

#include "manifest/overlay_patches.hpp"
#include "manifest/text_scan.hpp"
#include "manifest/yaml_walk.hpp"

namespace podfit::manifest::detail {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

bool blank_line(std::string_view line) {
  return line.find_first_not_of(" \r\n") == std::string_view::npos;
}

// The scalar's value as YAML reads it: line ends as \n, the final ones chomped.
std::string chomped(std::string text, char chomp) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  if (chomp == '+') return out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (chomp == ' ' && !out.empty()) out += '\n';
  return out;
}

// The node at `node_path` under `root`, or an undefined node.
YAML::Node node_at(const YAML::Node& root, const std::vector<std::string>& node_path) {
  YAML::Node node = root;
  for (const std::string& step : node_path) {
    YAML::Node next(YAML::NodeType::Undefined);
    if (node.IsSequence()) {
      std::size_t index = std::stoul(step);
      if (index < node.size()) next.reset(node[index]);
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        if (entry.first.IsScalar() && entry.first.Scalar() == step) next.reset(entry.second);
      }
    }
    if (!next.IsDefined()) return next;
    node.reset(next);
  }
  return node;
}

}  // namespace

std::string BlockScalar::text() const {
  std::string out;
  for (const std::string& line : dedented) out += line;
  return out;
}

std::string BlockScalar::value() const {
  return chomped(text(), chomp);
}

Result<BlockScalar> read_block_scalar(const std::string& path, std::string_view text,
                                      std::size_t pos) {
  std::string where = path + ":" + std::to_string(line_number(text, pos));
  if (pos >= text.size() || text[pos] != '|') {
    return fail(where + ": the inline patch is not a literal block (`|` or `|-`)");
  }
  BlockScalar block;
  std::size_t at = pos + 1;
  if (at < text.size() && (text[at] == '-' || text[at] == '+')) block.chomp = text[at++];
  at = skip_blanks(text, at);
  if (at < text.size() && text[at] != '#' && text[at] != '\r' && text[at] != '\n') {
    return fail(where + ": the inline patch's block header has an indentation indicator");
  }
  // The indentation of the line with the key (or `- `): the content lies deeper.
  std::size_t parent = text.substr(line_start(text, pos)).find_first_not_of(' ');
  block.begin = next_line(text, pos);
  block.indent = std::string::npos;
  std::size_t start = block.begin;
  while (start < text.size()) {
    std::size_t end = next_line(text, start);
    std::string_view line = text.substr(start, end - start);
    if (!blank_line(line)) {
      std::size_t indent = line.find_first_not_of(' ');
      if (block.indent == std::string::npos) block.indent = indent;
      if (indent < block.indent || indent <= parent) break;
    }
    block.lines.emplace_back(line);
    start = end;
  }
  block.end = start;
  if (block.indent == std::string::npos || block.indent <= parent) {
    return fail(where + ": the inline patch is empty");
  }
  // Trailing blank lines stay outside: they separate the block from what follows.
  while (!block.lines.empty() && blank_line(block.lines.back())) {
    block.end -= block.lines.back().size();
    block.lines.pop_back();
  }
  for (const std::string& line : block.lines) {
    // A blank line may be indented less than the block, or not at all: it reads as empty.
    std::size_t cut =
        blank_line(line) ? std::min(line.find_first_not_of(' '), line.size()) : block.indent;
    block.dedented.push_back(line.substr(cut));
  }
  return block;
}

Result<std::string> replace_block_scalar(const std::string& path, const std::string& text,
                                         const BlockScalar& block, const std::string& edited,
                                         const std::vector<std::string>& node_path) {
  std::vector<std::string> after = split_lines(edited);
  if (!after.empty() && after.back().back() != '\n' && !block.lines.empty() &&
      block.lines.back().back() == '\n') {
    return fail(path + ": internal error: the inline patch lost its last line end");
  }
  dtl::Diff<std::string, std::vector<std::string>> diff(block.dedented, after);
  diff.compose();
  std::string out;
  std::size_t old_index = 0;
  for (const auto& [line, info] : diff.getSes().getSequence()) {
    if (info.type == dtl::SES_COMMON) {
      out += block.lines[old_index++];
    } else if (info.type == dtl::SES_DELETE) {
      ++old_index;
    } else {
      out += (blank_line(line) ? "" : std::string(block.indent, ' ')) + line;
    }
  }
  std::string result = text.substr(0, block.begin) + out + text.substr(block.end);
  // The guard: the scalar reads as the edited patch, and nothing else changed.
  PODFIT_TRY_ASSIGN(before_docs, load_documents(path, text));
  PODFIT_TRY_ASSIGN(after_docs, load_documents(path + " (as edited)", result));
  if (before_docs.size() != after_docs.size() || before_docs.empty()) {
    return fail(path + ": internal error: the inline patch edit changed the documents");
  }
  YAML::Node scalar = node_at(after_docs[0], node_path);
  if (!scalar.IsScalar() || scalar.Scalar() != chomped(edited, block.chomp)) {
    return fail(path + ":" + std::to_string(line_number(text, block.begin)) +
                ": internal error: the inline patch does not read back as edited");
  }
  YAML::Node expected = YAML::Clone(before_docs[0]);
  YAML::Node slot = node_at(expected, node_path);
  slot = chomped(edited, block.chomp);  // assigns through the reference: the clone's scalar
  if (YAML::Dump(expected) != YAML::Dump(after_docs[0])) {
    return fail(path + ": internal error: the inline patch edit changed more than the patch");
  }
  return result;
}

}  // namespace podfit::manifest::detail

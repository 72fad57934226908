#include "manifest/yaml_map.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "manifest/text_scan.hpp"

namespace podfit::manifest::detail {

namespace {

bool is_break(char c) {
  return c == '\n' || c == '\r';
}

// The end of the token at `pos` (an anchor or tag): the next blank or break.
std::size_t token_end(std::string_view text, std::size_t pos, bool flow) {
  while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && !is_break(text[pos]) &&
         !(flow && (text[pos] == ',' || text[pos] == '}' || text[pos] == ']'))) {
    ++pos;
  }
  return pos;
}

// `quoted`: every key and value in double quotes, as JSON has them.
std::string render_flow(const std::vector<Tree>& trees, bool quoted) {
  auto text = [quoted](const std::string& plain) {
    return quoted ? '"' + plain + '"' : plain;  // keys and quantities need no escapes
  };
  std::string out;
  for (const Tree& tree : trees) {
    if (!out.empty()) out += ", ";
    out += text(tree.key);
    out += ": ";
    if (tree.children.empty()) {
      out += text(tree.scalar);
    } else {
      out += '{';
      out += render_flow(tree.children, quoted);
      out += '}';
    }
  }
  return out;
}

std::string render_block(const std::vector<Tree>& trees, std::size_t column, std::size_t step,
                         const std::string& newline) {
  std::string out;
  for (const Tree& tree : trees) {
    out += std::string(column, ' ') + tree.key + ":";
    if (tree.children.empty()) {
      out += " " + tree.scalar + newline;
    } else {
      out += newline + render_block(tree.children, column + step, step, newline);
    }
  }
  return out;
}

// [begin, end) of the lines a block entry occupies: its key line and every
// following line that is blank or indented deeper than the key, without the
// trailing blank lines (they separate it from what follows).
std::pair<std::size_t, std::size_t> block_lines(std::string_view text, std::size_t key_pos) {
  std::size_t key_column = column_of(text, key_pos);
  std::size_t end = next_line(text, key_pos);
  std::size_t line = end;
  while (line < text.size()) {
    std::size_t first = skip_blanks(text, line);
    bool blank = first >= text.size() || is_break(text[first]);
    // A comment at or left of the key's column may sit inside the block (a commented-out
    // list entry): it neither ends the block nor, unless more of it follows, extends it.
    bool shallow_comment = !blank && text[first] == '#' && first - line <= key_column;
    if (!blank && !shallow_comment) {
      // A sequence may sit at its key's own column ("env:\n- name: A").
      bool sequence_item =
          first - line == key_column && text[first] == '-' &&
          (first + 1 >= text.size() || text[first + 1] == ' ' || is_break(text[first + 1]));
      if (first - line < key_column || (first - line == key_column && !sequence_item)) break;
      end = next_line(text, line);
    }
    line = next_line(text, line);
  }
  return {line_start(text, key_pos), end};
}

// Inserts rendered lines at a line boundary `pos`; at the end of a file
// without a final newline the newline goes first instead.
void insert_lines(EditContext& context, std::size_t pos, std::string lines) {
  std::string_view text = context.text;
  if (pos == text.size() && !text.empty() && text.back() != '\n') {
    lines.erase(lines.size() - context.newline.size());
    lines = context.newline + lines;
  }
  context.add(pos, pos, std::move(lines));
}

void remove_lines(EditContext& context, std::size_t begin, std::size_t end) {
  std::string_view text = context.text;
  if (end == text.size() && !text.empty() && text.back() != '\n' && begin > 0) {
    begin = line_content_end(text, line_start(text, begin - 1));  // drop the newline before
  }
  context.add(begin, end, "");
}

Result<void> remove_block_entries(EditContext& context, const MapView& map,
                                  const std::vector<bool>& removed) {
  const auto& entries = map.entries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!removed[i]) continue;
    if (only_spaces_before(context.text, entries[i].key_pos)) {
      auto [begin, end] = block_lines(context.text, entries[i].key_pos);
      remove_lines(context, begin, end);
      continue;
    }
    // The entry follows "- " on its line: the next kept entry moves up to its place.
    std::size_t next = i + 1;
    while (next < entries.size() && removed[next]) ++next;
    if (next == entries.size()) {
      return fail(context.where(entries[i].key_pos) + ": cannot remove `" + entries[i].key +
                  "`, the only entry of its list item");
    }
    context.add(entries[i].key_pos, entries[next].key_pos, "");
    i = next;
  }
  return {};
}

// Runs of removed flow entries go with the comma after them, or the last run
// with the comma before it, so that the remaining text stays well formed.
void remove_flow_entries(EditContext& context, const MapView& map,
                         const std::vector<bool>& removed) {
  const auto& entries = map.entries;
  for (std::size_t i = 0; i < entries.size();) {
    if (!removed[i]) {
      ++i;
      continue;
    }
    std::size_t last = i;
    while (last + 1 < entries.size() && removed[last + 1]) ++last;
    if (last + 1 < entries.size()) {
      context.add(entries[i].key_pos, entries[last + 1].key_pos, "");
    } else if (i > 0) {
      context.add(entries[i - 1].value_end, entries[last].value_end, "");
    } else {
      context.add(entries[i].key_pos, entries[last].value_end, "");
    }
    i = last + 1;
  }
}

void count_steps(const EditContext& context, const YAML::Node& node,
                 std::map<std::size_t, std::size_t>& steps) {
  if (node.IsSequence()) {
    for (const auto& item : node) count_steps(context, item, steps);
    return;
  }
  if (!node.IsMap() || node.Style() == YAML::EmitterStyle::Flow) return;
  for (auto entry : node) {
    const YAML::Node& value = entry.second;
    std::size_t key_pos = context.pos_of(entry.first);
    if (value.IsMap() && value.Style() != YAML::EmitterStyle::Flow && value.size() > 0) {
      std::size_t child_pos = context.pos_of(value.begin()->first);
      std::size_t key_column = column_of(context.text, key_pos);
      std::size_t child_column = column_of(context.text, child_pos);
      if (child_pos > key_pos && child_column > key_column) ++steps[child_column - key_column];
    }
    count_steps(context, value, steps);
  }
}

ValueInfo value_info(const YAML::Node& node) {
  ValueInfo info;
  if (node.IsNull()) return info;
  if (node.IsScalar()) {
    info.kind = ValueInfo::Kind::scalar;
    info.scalar = node.Scalar();
  } else if (node.IsMap()) {
    info.kind = ValueInfo::Kind::map;
    info.size = node.size();
  } else {
    info.kind = ValueInfo::Kind::other;
  }
  return info;
}

// The first value of `key` in `map` (as MapView::find picks the first entry).
YAML::Node value_of(const YAML::Node& map, const std::string& key) {
  for (auto item : map) {
    if (item.first.IsScalar() && item.first.Scalar() == key) return item.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// The view of the non-empty map under `key` of `parent`, if there is one.
std::optional<Result<MapView>> view_child(const EditContext& context, const YAML::Node& parent,
                                          const MapView& parent_view, const std::string& key) {
  const MapEntry* entry = parent_view.find(key);
  if (entry == nullptr || !entry->value.is_map() || entry->value.size == 0) return std::nullopt;
  return view_map(context, value_of(parent, key), entry->value_pos);
}

}  // namespace

ContainerLayout view_container(const EditContext& context, const YAML::Node& container) {
  std::size_t start = context.pos_of(container);
  ContainerLayout layout{view_map(context, container, start), std::string::npos, {}, {}, {}};
  // "- &base\n  name: x": the anchor is the token before the map's first key.
  std::string_view text = context.text;
  std::size_t before = start;
  while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\n' ||
                        text[before - 1] == '\r' || text[before - 1] == '\t')) {
    --before;
  }
  std::size_t token = before;
  while (token > 0 && text[token - 1] != ' ' && text[token - 1] != '\n' && text[token - 1] != '-') {
    --token;
  }
  if (start < text.size() && text[start] == '&') {
    layout.anchor_pos = start;
  } else if (token < before && text[token] == '&') {
    layout.anchor_pos = token;
  }
  if (!layout.container) return layout;
  layout.resources = view_child(context, container, *layout.container, "resources");
  if (!layout.resources || !*layout.resources) return layout;
  YAML::Node resources = value_of(container, "resources");
  layout.requests = view_child(context, resources, **layout.resources, "requests");
  layout.limits = view_child(context, resources, **layout.resources, "limits");
  return layout;
}

std::size_t hash_text(std::string_view text) {
  return std::hash<std::string_view>{}(text);
}

std::string EditContext::where(std::size_t pos) const {
  return path + ":" + std::to_string(line_number(text, pos));
}

void EditContext::add(std::size_t begin, std::size_t end, std::string replacement) {
  edits.push_back(Edit{begin, end, std::move(replacement), edits.size()});
}

const MapEntry* MapView::find(const std::string& key) const {
  for (const auto& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Result<MapView> view_map(const EditContext& context, const YAML::Node& map, std::size_t start) {
  std::string_view text = context.text;
  MapView view;
  view.flow = map.Style() == YAML::EmitterStyle::Flow;
  if (view.flow) {
    view.open_pos = text.find('{', start);
    if (view.open_pos == std::string_view::npos) return fail(context.where(start) + ": no '{'");
  }
  for (auto item : map) {
    MapEntry entry;
    entry.key = item.first.IsScalar() ? item.first.Scalar() : std::string();
    entry.value = value_info(item.second);
    entry.key_pos = context.pos_of(item.first);
    if (entry.key_pos < start) {
      return fail(context.where(start) +
                  ": a YAML alias stands here; podfit edits only "
                  "resources written out in place");
    }
    std::size_t key_end = scalar_end(text, entry.key_pos, view.flow, true);
    entry.colon_pos = skip_blanks(text, key_end);
    if (entry.colon_pos >= text.size() || text[entry.colon_pos] != ':') {
      return fail(context.where(entry.key_pos) + ": cannot find the ':' after `" + entry.key + "`");
    }
    std::size_t pos = entry.value.is_null() ? skip_blanks(text, entry.colon_pos + 1)
                                            : skip_blanks_and_comments(text, entry.colon_pos + 1);
    // Anchors and tags come before the value itself; an alias is its own token.
    while (pos < text.size() && (text[pos] == '&' || text[pos] == '!')) {
      entry.shared = entry.shared || text[pos] == '&';
      pos = skip_blanks_and_comments(text, token_end(text, pos, view.flow));
    }
    if (pos < text.size() && text[pos] == '*') entry.shared = true;
    entry.value_pos = pos;
    entry.value_end = pos;
    char first = pos < text.size() ? text[pos] : '\n';
    if (first == '*') {
      entry.value_end = token_end(text, pos, view.flow);
    } else if (entry.value.is_null()) {
      bool token = first != '#' && !is_break(first) &&
                   !(view.flow && (first == ',' || first == '}' || first == ']'));
      if (token) {
        entry.value_end = scalar_end(text, pos, view.flow);
      } else {
        entry.value_pos = entry.value_end = entry.colon_pos + 1;
      }
    } else if (entry.value.is_scalar()) {
      entry.value_end = scalar_end(text, pos, view.flow);
    } else if (first == '{' || first == '[') {
      std::size_t end = flow_end(text, pos);
      entry.value_end = end == std::string_view::npos ? pos : end;
    }
    view.entries.push_back(std::move(entry));
  }
  // Readers disagree on a repeated key (kubectl takes the last, others the first or
  // refuse): editing either one could leave the value that counts unchanged.
  for (std::size_t i = 0; i < view.entries.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (view.entries[j].key == view.entries[i].key) {
        return fail(context.where(view.entries[i].key_pos) + ": `" + view.entries[i].key +
                    "` is given twice in this map (also on line " +
                    std::to_string(line_number(context.text, view.entries[j].key_pos)) +
                    "); podfit will not guess which one counts: remove one");
      }
    }
  }
  return view;
}

bool is_empty_value(const MapEntry& entry) {
  return entry.value.is_null() || (entry.value.is_map() && entry.value.size == 0);
}

void replace_scalar(EditContext& context, const MapEntry& entry, const std::string& value,
                    bool flow) {
  std::string_view text = context.text;
  std::size_t end = scalar_end(text, entry.value_pos, flow);
  char quote = text[entry.value_pos];
  std::string replacement = value;
  if (quote == '"' || quote == '\'') replacement = quote + value + quote;
  context.add(entry.value_pos, end, std::move(replacement));
}

Result<void> rewrite_map(EditContext& context, const MapView& map, const std::vector<bool>& removed,
                         const std::vector<Tree>& added) {
  const auto& entries = map.entries;
  if (map.flow) {
    remove_flow_entries(context, map, removed);
    if (added.empty()) return {};
    bool any_kept = std::count(removed.begin(), removed.end(), false) > 0;
    if (entries.empty()) {
      context.add(map.open_pos + 1, map.open_pos + 1, render_flow(added, context.json));
    } else {
      context.add(entries.back().value_end, entries.back().value_end,
                  (any_kept ? ", " : "") + render_flow(added, context.json));
    }
    return {};
  }
  if (auto result = remove_block_entries(context, map, removed); !result) return result;
  if (added.empty()) return {};
  std::size_t column = column_of(context.text, entries.front().key_pos);
  std::size_t end = block_lines(context.text, entries.back().key_pos).second;
  insert_lines(context, end, render_block(added, column, context.indent_step, context.newline));
  return {};
}

void fill_empty_value(EditContext& context, const MapView& parent, const MapEntry& entry,
                      const std::vector<Tree>& children) {
  std::string_view text = context.text;
  bool empty_flow_map = entry.value.is_map();
  if (empty_flow_map) {
    std::size_t open = text.find('{', entry.value_pos);
    context.add(open + 1, open + 1, render_flow(children, context.json));
  } else if (parent.flow) {
    bool has_token = entry.value_end > entry.value_pos;
    std::string flow = has_token ? "{" : " {";
    flow += render_flow(children, context.json);
    flow += '}';
    context.add(entry.value_pos, entry.value_end, std::move(flow));
  } else {
    // A block `key:` (or `key: null`) gets nested lines under it.
    if (entry.value_end > entry.value_pos) context.add(entry.colon_pos + 1, entry.value_end, "");
    std::size_t column = column_of(text, entry.key_pos) + context.indent_step;
    insert_lines(context, next_line(text, entry.key_pos),
                 render_block(children, column, context.indent_step, context.newline));
  }
}

std::size_t detect_indent_step(const EditContext& context,
                               const std::vector<YAML::Node>& documents) {
  std::map<std::size_t, std::size_t> steps;
  for (const auto& document : documents) count_steps(context, document, steps);
  std::size_t best = 2;
  std::size_t best_count = 0;
  for (const auto& [step, count] : steps) {
    if (count > best_count) {
      best = step;
      best_count = count;
    }
  }
  return best;
}

Result<std::string> apply_edits(const EditContext& context) {
  std::vector<Edit> edits = context.edits;
  // Back to front; at one position a removal goes before an insertion, and
  // insertions keep the order they were made in.
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    if (a.begin != b.begin) return a.begin > b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.sequence > b.sequence;
  });
  std::string text(context.text);
  std::size_t limit = text.size();
  for (const Edit& edit : edits) {
    if (edit.end > limit || edit.begin > edit.end) {
      return fail(context.where(edit.begin) + ": internal error: overlapping edits");
    }
    text.replace(edit.begin, edit.end - edit.begin, edit.text);
    limit = edit.begin;
  }
  return text;
}

}  // namespace podfit::manifest::detail

// JSON 6902 operations of an overlay: which container's resources an op's path reaches,
// and the byte-exact edit of its `value` (with the manifest editor's map edits).
#include <algorithm>
#include <array>

#include <yaml-cpp/yaml.h>

#include "manifest/overlay_patches.hpp"
#include "manifest/resource_fields.hpp"
#include "manifest/text_scan.hpp"
#include "manifest/yaml_map.hpp"
#include "manifest/yaml_walk.hpp"

namespace podfit::manifest::detail {

namespace {

constexpr std::array<const char*, 2> kSections = {"requests", "limits"};
constexpr std::array<const char*, 2> kNames = {"cpu", "memory"};

bool mentions_resources(const YAML::Node& node) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == "resources") return true;
      if (mentions_resources(entry.second)) return true;
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (mentions_resources(item)) return true;
    }
  }
  return false;
}

std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty() || pointer[0] != '/') return tokens;
  std::size_t start = 1;
  while (true) {
    std::size_t end = pointer.find('/', start);
    std::string token = pointer.substr(start, end == std::string::npos ? end : end - start);
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        out += token[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        out += token[i];
      }
    }
    tokens.push_back(out);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return tokens;
}

// The cpu and memory the target gives `section`, as new map entries.
std::vector<Tree> section_values(const Resources& target, const std::string& section) {
  for (const Tree& tree : resources_tree(target)) {
    if (tree.key == section) return tree.children;
  }
  return {};
}

// Makes the map under `entry` (of `parent`) hold exactly `values` as its cpu and memory,
// keeping its other keys. Returns false when nothing would be left (the caller removes
// the entry).
Result<bool> edit_values(EditContext& context, const MapView& parent, const MapEntry& entry,
                         const YAML::Node& node, const std::vector<Tree>& values) {
  if (entry.shared) {
    return fail(context.where(entry.key_pos) + ": `" + entry.key +
                "` uses a YAML anchor or alias; podfit does not edit shared values");
  }
  if (is_empty_value(entry)) {
    if (values.empty()) return false;
    fill_empty_value(context, parent, entry, values);
    return true;
  }
  if (!entry.value.is_map()) {
    return fail(context.where(entry.key_pos) + ": `" + entry.key + "` is not a mapping");
  }
  PODFIT_TRY_ASSIGN(view, view_map(context, node, context.pos_of(node)));
  std::vector<bool> removed(view.entries.size(), false);
  std::vector<Tree> added;
  for (const char* name : kNames) {
    const MapEntry* current = view.find(name);
    auto wanted = std::find_if(values.begin(), values.end(),
                               [&](const Tree& value) { return value.key == name; });
    if (current != nullptr && current->shared) {
      return fail(context.where(current->key_pos) + ": `" + current->key +
                  "` uses a YAML anchor or alias; podfit does not edit shared values");
    }
    if (wanted == values.end()) {
      if (current != nullptr) removed[current - view.entries.data()] = true;
    } else if (current == nullptr) {
      added.push_back(*wanted);
    } else if (!current->value.is_scalar() || current->value.scalar != wanted->scalar) {
      replace_scalar(context, *current, wanted->scalar, view.flow);
    }
  }
  if (std::find(removed.begin(), removed.end(), false) == removed.end() && added.empty()) {
    return false;
  }
  PODFIT_TRY(rewrite_map(context, view, removed, added));
  return true;
}

Result<void> plan_value(EditContext& context, const YAML::Node& op, const OpValueEdit& edit) {
  PODFIT_TRY_ASSIGN(view, view_map(context, op, context.pos_of(op)));
  const MapEntry* entry = view.find("value");
  YAML::Node value = child(op, "value");
  if (entry == nullptr || !value.IsDefined()) {
    return fail(context.where(context.pos_of(op)) + ": the op has no `value`");
  }
  if (entry->shared) {
    return fail(context.where(entry->key_pos) +
                ": `value` uses a YAML anchor or alias; podfit does not edit shared values");
  }
  if (!edit.name.empty()) {
    const auto& wanted = field(edit.target, edit.section, edit.name);
    if (!wanted) {
      return fail(context.where(entry->key_pos) + ": the recommendation sets no " + edit.section +
                  "." + edit.name + ", and an op cannot set nothing");
    }
    if (!value.IsScalar()) return fail(context.where(entry->key_pos) + ": `value` is not a scalar");
    std::string text = value_text(*wanted, edit.name);
    if (value.Scalar() != text) replace_scalar(context, *entry, text, view.flow);
    return {};
  }
  if (!edit.section.empty()) {
    std::vector<Tree> values = section_values(edit.target, edit.section);
    if (values.empty()) {
      return fail(context.where(entry->key_pos) + ": the recommendation sets no " + edit.section);
    }
    PODFIT_TRY(edit_values(context, view, *entry, value, values));
    return {};
  }
  if (edit.target.empty()) {
    return fail(context.where(entry->key_pos) + ": the recommendation sets no resources");
  }
  if (is_empty_value(*entry)) {
    fill_empty_value(context, view, *entry, resources_tree(edit.target));
    return {};
  }
  if (!value.IsMap()) return fail(context.where(entry->key_pos) + ": `value` is not a mapping");
  PODFIT_TRY_ASSIGN(resources, view_map(context, value, context.pos_of(value)));
  std::vector<bool> removed(resources.entries.size(), false);
  std::vector<Tree> added;
  for (const char* section : kSections) {
    std::vector<Tree> values = section_values(edit.target, section);
    const MapEntry* current = resources.find(section);
    if (current == nullptr) {
      if (!values.empty()) added.push_back(Tree{section, "", values});
      continue;
    }
    PODFIT_TRY_ASSIGN(keep,
                      edit_values(context, resources, *current, child(value, section), values));
    if (!keep) removed[current - resources.entries.data()] = true;
  }
  return rewrite_map(context, resources, removed, added);
}

// Whether `after` (a map of cpu/memory and other keys) holds exactly the part of `target`
// in `section`, and the other keys of `before`.
bool section_holds(const YAML::Node& before, const YAML::Node& after, const Resources& target,
                   const std::string& section) {
  for (const char* name : kNames) {
    const auto& wanted = field(target, section, name);
    YAML::Node got = child(after, name);
    bool ok =
        wanted ? got.IsScalar() && got.Scalar() == value_text(*wanted, name) : !got.IsDefined();
    if (!ok) return false;
  }
  auto others = [](const YAML::Node& node) {
    if (!node.IsMap()) return std::string();
    YAML::Node copy = YAML::Clone(node);
    for (const char* name : kNames) copy.remove(name);
    return copy.size() == 0 ? std::string() : YAML::Dump(copy);
  };
  return others(before) == others(after);
}

bool value_holds(const YAML::Node& before, const YAML::Node& after, const OpValueEdit& edit) {
  if (!edit.name.empty()) {
    const auto& wanted = field(edit.target, edit.section, edit.name);
    return wanted && after.IsScalar() && after.Scalar() == value_text(*wanted, edit.name);
  }
  if (!after.IsMap()) return false;
  if (!edit.section.empty()) return section_holds(before, after, edit.target, edit.section);
  for (const char* section : kSections) {
    if (!section_holds(child(before, section), child(after, section), edit.target, section)) {
      return false;
    }
  }
  YAML::Node a = YAML::Clone(before), b = YAML::Clone(after);
  if (a.IsMap()) {
    for (const char* section : kSections) a.remove(section);
  }
  for (const char* section : kSections) b.remove(section);
  return !before.IsMap() || YAML::Dump(a) == YAML::Dump(b);
}

}  // namespace

std::vector<std::string> pod_spec_path(const std::string& kind) {
  if (kind == "Pod") return {"spec"};
  if (kind == "CronJob") return {"spec", "jobTemplate", "spec", "template", "spec"};
  return {"spec", "template", "spec"};
}

Result<std::vector<JsonOp>> read_json_ops(const std::string& path, const std::string& text) {
  PODFIT_TRY_ASSIGN(documents, load_documents(path, text));
  if (documents.size() != 1 || !documents[0].IsSequence()) {
    return fail(path + ": not a JSON 6902 patch (a list of operations)");
  }
  std::vector<JsonOp> ops;
  for (const auto& item : documents[0]) {
    if (!item.IsMap())
      return fail(path + ":" + std::to_string(item.Mark().line + 1) +
                  ": a JSON 6902 operation must be a mapping");
    JsonOp op;
    YAML::Node name = child(item, "op"), pointer = child(item, "path");
    op.op = name.IsScalar() ? name.Scalar() : "";
    op.path_text = pointer.IsScalar() ? pointer.Scalar() : "";
    op.path = pointer_tokens(op.path_text);
    YAML::Node from = child(item, "from");
    if (from.IsScalar()) op.from = pointer_tokens(from.Scalar());
    op.line = item.Mark().line + 1;
    op.value_mentions_resources = mentions_resources(child(item, "value"));
    ops.push_back(std::move(op));
  }
  return ops;
}

OpReach reach_of(const JsonOp& op, const std::string& kind) {
  OpReach reach;
  if (op.op == "test") return reach;
  bool sets = op.op == "add" || op.op == "replace";
  bool other = op.op == "remove" || op.op == "move" || op.op == "copy";
  auto unresolved = [&](std::string why) {
    reach.kind = OpReach::Kind::unresolved;
    reach.why = "`op: " + op.op + "` at " + op.path_text + " " + why;
    return reach;
  };
  const std::vector<std::string> prefix = pod_spec_path(kind);
  const std::vector<std::string>& tokens = op.path;
  std::size_t common = 0;
  while (common < tokens.size() && common < prefix.size() && tokens[common] == prefix[common]) {
    ++common;
  }
  if (common < prefix.size()) {
    // Above the pod spec: only an op that writes resources (or moves things) matters.
    if (common == tokens.size() && !tokens.empty() &&
        ((sets && op.value_mentions_resources) || op.op == "move" || op.op == "copy")) {
      return unresolved("sets more than a container's resources");
    }
    return reach;
  }
  std::size_t at = prefix.size();
  if (at == tokens.size()) {
    if ((sets && op.value_mentions_resources) || other)
      return unresolved("sets the whole pod spec");
    return reach;
  }
  if (tokens[at] != "containers" && tokens[at] != "initContainers") return reach;
  reach.init = tokens[at] == "initContainers";
  if (++at == tokens.size()) {
    if ((sets && op.value_mentions_resources) || other)
      return unresolved("sets the whole container list");
    return reach;
  }
  const std::string& index = tokens[at];
  if (index == "-") return reach;  // appends a container the render shows with its own values
  if (index.empty() || index.size() > 6 ||
      !std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return unresolved("has an index podfit cannot resolve");
  }
  reach.index = std::stoul(index);
  if (++at == tokens.size()) {
    if ((sets && op.value_mentions_resources) || other)
      return unresolved("sets the whole container");
    return reach;
  }
  if (tokens[at] != "resources") return reach;
  std::size_t rest = tokens.size() - at - 1;
  if (rest >= 1) {
    reach.section = tokens[at + 1];
    if (reach.section != "requests" && reach.section != "limits") return OpReach{};
  }
  if (rest >= 2) {
    reach.name = tokens[at + 2];
    if (reach.name != "cpu" && reach.name != "memory") return OpReach{};
  }
  if (rest > 2) return OpReach{};
  if (!sets) return unresolved("cannot be edited in place");
  reach.kind = OpReach::Kind::resources;
  return reach;
}

bool shifts_containers(const JsonOp& op, const std::string& kind) {
  if (op.op == "test") return false;
  std::vector<std::string> prefix = pod_spec_path(kind);
  auto at_list = [&](const std::vector<std::string>& tokens, bool append_ok) {
    if (tokens.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), tokens.begin()))
      return tokens.size() < prefix.size() &&
             std::equal(tokens.begin(), tokens.end(), prefix.begin());  // above the pod spec
    std::size_t at = prefix.size();
    if (tokens.size() == at) return true;
    if (tokens[at] != "containers" && tokens[at] != "initContainers") return false;
    if (tokens.size() == at + 1) return true;
    return tokens.size() == at + 2 && !(append_ok && tokens[at + 1] == "-");
  };
  if (op.op == "replace")
    return !op.path.empty() && at_list(op.path, true) && op.path.size() <= prefix.size() + 1;
  if (op.op == "move" && at_list(op.from, false)) return true;
  return (op.op == "add" || op.op == "remove" || op.op == "move" || op.op == "copy") &&
         at_list(op.path, op.op == "add" || op.op == "copy");
}

bool may_shift_containers(const YAML::Node& document) {
  if (!document.IsMap()) return false;
  YAML::Node kind = child(document, "kind");
  YAML::Node node = document;
  for (const std::string& key : pod_spec_path(kind.IsScalar() ? kind.Scalar() : "")) {
    YAML::Node next = child(node, key);
    if (!next.IsMap()) return false;
    node.reset(next);
  }
  for (const auto& entry : node) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (key.rfind("$", 0) == 0) return true;  // $setElementOrder/containers, $patch
    if (key != "containers" && key != "initContainers") continue;
    if (!entry.second.IsSequence()) return true;
    for (const auto& container : entry.second) {
      if (!container.IsMap()) return true;
      for (const auto& field : container) {
        std::string name = field.first.IsScalar() ? field.first.Scalar() : "";
        if (name != "name" && name != "resources") return true;
      }
    }
  }
  return false;
}

Resources restricted(const Resources& target, const std::string& section, const std::string& name) {
  Resources part;
  auto keep = [&](const char* s, const char* n) {
    return (section.empty() || section == s) && (name.empty() || name == n);
  };
  if (keep("requests", "cpu")) part.cpu_request = target.cpu_request;
  if (keep("requests", "memory")) part.memory_request = target.memory_request;
  if (keep("limits", "cpu")) part.cpu_limit = target.cpu_limit;
  if (keep("limits", "memory")) part.memory_limit = target.memory_limit;
  return part;
}

Result<std::string> edit_op_values(const std::string& path, const std::string& text,
                                   const std::vector<OpValueEdit>& edits) {
  PODFIT_TRY_ASSIGN(documents, load_documents(path, text));
  if (documents.size() != 1 || !documents[0].IsSequence()) {
    return fail(path + ": not a JSON 6902 patch (a list of operations)");
  }
  const YAML::Node& ops = documents[0];
  EditContext context;
  context.path = path;
  context.text = text;
  context.mark_base = mark_offset(text);
  context.newline = detect_newline(text);
  context.indent_step = detect_indent_step(context, documents);
  std::size_t first = text.find_first_not_of(" \t\r\n", context.mark_base);
  context.json = path.ends_with(".json") || (first != std::string::npos && text[first] == '[');
  for (const OpValueEdit& edit : edits) {
    if (edit.op >= ops.size() || !ops[edit.op].IsMap()) {
      return fail(path + ": internal error: no operation " + std::to_string(edit.op));
    }
    PODFIT_TRY(plan_value(context, ops[edit.op], edit));
  }
  PODFIT_TRY_ASSIGN(edited, apply_edits(context));
  // The guard: the same ops, each the same apart from the values edited, which now hold
  // the target's part.
  PODFIT_TRY_ASSIGN(again, load_documents(path + " (as edited)", edited));
  if (again.size() != 1 || !again[0].IsSequence() || again[0].size() != ops.size()) {
    return fail(path + ": internal error: the edit changed the list of operations");
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto edit =
        std::find_if(edits.begin(), edits.end(), [&](const OpValueEdit& e) { return e.op == i; });
    YAML::Node before = YAML::Clone(ops[i]), after = YAML::Clone(again[0][i]);
    if (edit != edits.end()) {
      if (!value_holds(child(before, "value"), child(after, "value"), *edit)) {
        return fail(path + ":" + std::to_string(ops[i].Mark().line + 1) +
                    ": internal error: the op's value is not what was meant after the edit");
      }
      before.remove("value");
      after.remove("value");
    }
    if (YAML::Dump(before) != YAML::Dump(after)) {
      return fail(path + ":" + std::to_string(ops[i].Mark().line + 1) +
                  ": internal error: the edit changed more than the op's value");
    }
  }
  return edited;
}

}  // namespace podfit::manifest::detail

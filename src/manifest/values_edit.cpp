// apply_values_change: a Helm values file's `<path>.resources`, edited byte-exact with the
// manifest editor's map edits, then checked by parsing the result.
#include <yaml-cpp/yaml.h>

#include "manifest/resource_fields.hpp"
#include "manifest/text_scan.hpp"
#include "manifest/yaml_map.hpp"
#include "manifest/yaml_walk.hpp"
#include "podfit/manifest/helm.hpp"

namespace podfit::manifest {

namespace {

using detail::EditContext;
using detail::Tree;

YAML::Node child_of(const YAML::Node& map, const std::string& key) {
  return detail::child(map, key);
}

// `resources: {...}` under the keys from `from` on, innermost last.
Tree nested(const std::vector<std::string>& keys, std::size_t from, const Resources& target) {
  Tree tree{"resources", "", detail::resources_tree(target)};
  for (std::size_t i = keys.size(); i-- > from;) tree = Tree{keys[i], "", {tree}};
  return tree;
}

std::string dotted(const std::vector<std::string>& keys, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += (i ? "." : "") + keys[i];
  return text.empty() ? "(the root)" : text;
}

Result<void> plan(EditContext& context, const YAML::Node& root,
                  const std::vector<std::string>& keys, const Resources& target) {
  YAML::Node node = root;
  for (std::size_t depth = 0; depth < keys.size(); ++depth) {
    PODFIT_TRY_ASSIGN(view, detail::view_map(context, node, context.pos_of(node)));
    YAML::Node child = child_of(node, keys[depth]);
    const detail::MapEntry* entry = view.find(keys[depth]);
    if (!child.IsDefined() || entry == nullptr) {
      std::vector<bool> removed(view.entries.size(), false);
      return detail::rewrite_map(context, view, removed, {nested(keys, depth, target)});
    }
    if (detail::is_empty_value(*entry)) {
      Tree inner = nested(keys, depth + 1, target);
      detail::fill_empty_value(context, view, *entry, {inner});
      return {};
    }
    if (!child.IsMap()) {
      return fail(context.where(entry->key_pos) + ": `" + dotted(keys, depth + 1) +
                  "` is not a mapping, so it cannot hold resources");
    }
    node.reset(child);  // rebind: yaml-cpp's operator= would overwrite the parent's value
  }
  return detail::edit_resources_of(context, detail::view_container(context, node), target);
}

// The document without `resources` at `keys` and without the maps along the path that are
// left empty: what must not change.
YAML::Node without_resources(const YAML::Node& root, const std::vector<std::string>& keys) {
  YAML::Node copy = YAML::Clone(root);
  std::vector<YAML::Node> path{copy};
  for (const std::string& key : keys) {
    YAML::Node next = child_of(path.back(), key);
    if (!next.IsMap()) return copy;
    path.push_back(next);
  }
  path.back().remove("resources");
  for (std::size_t i = path.size(); i-- > 1;) {
    if (path[i].size() > 0) break;
    path[i - 1].remove(keys[i - 1]);
  }
  return copy;
}

Result<void> check_edit(const std::string& path, const YAML::Node& before, const std::string& text,
                        const std::vector<std::string>& keys, const Resources& target) {
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(path + " (as edited)", text));
  if (documents.empty()) return fail(path + ": internal error: the edit left no document");
  if (YAML::Dump(without_resources(before, keys)) !=
      YAML::Dump(without_resources(documents[0], keys))) {
    return fail(path + ": internal error: the edit changed more than " + dotted(keys, keys.size()) +
                ".resources; file left untouched");
  }
  YAML::Node node = documents[0];
  for (const std::string& key : keys) node.reset(child_of(node, key));
  YAML::Node resources = child_of(node, "resources");
  for (const char* section : {"requests", "limits"}) {
    for (const char* name : {"cpu", "memory"}) {
      const auto& wanted = detail::field(target, section, name);
      YAML::Node values = resources.IsMap() ? child_of(resources, section) : YAML::Node();
      YAML::Node got = values.IsMap() ? child_of(values, name) : YAML::Node();
      bool ok = wanted ? got.IsScalar() && got.Scalar() == detail::value_text(*wanted, name)
                       : !got.IsDefined() || got.IsNull();
      if (!ok) {
        return fail(path + ": internal error: " + section + "." + name +
                    " is not what was meant after the edit; file left untouched");
      }
    }
  }
  return {};
}

// `key: scalar` under the keys from `from` on (the last key holds the scalar).
Tree nested_scalar(const std::vector<std::string>& keys, std::size_t from,
                   const std::string& scalar) {
  Tree tree{keys.back(), scalar, {}};
  for (std::size_t i = keys.size() - 1; i-- > from;) tree = Tree{keys[i], "", {tree}};
  return tree;
}

Result<void> plan_scalar(EditContext& context, const YAML::Node& root,
                         const std::vector<std::string>& keys, const std::string& scalar) {
  YAML::Node node = root;
  for (std::size_t depth = 0; depth < keys.size(); ++depth) {
    PODFIT_TRY_ASSIGN(view, detail::view_map(context, node, context.pos_of(node)));
    YAML::Node child = child_of(node, keys[depth]);
    const detail::MapEntry* entry = view.find(keys[depth]);
    if (!child.IsDefined() || entry == nullptr) {
      std::vector<bool> removed(view.entries.size(), false);
      return detail::rewrite_map(context, view, removed, {nested_scalar(keys, depth, scalar)});
    }
    bool last = depth + 1 == keys.size();
    if (last && child.IsScalar() && !detail::is_empty_value(*entry) && !entry->shared) {
      detail::replace_scalar(context, *entry, scalar, view.flow);
      return {};
    }
    if (last || detail::is_empty_value(*entry) || !child.IsMap()) {
      return fail(context.where(entry->key_pos) + ": `" + dotted(keys, depth + 1) +
                  "` is empty or not a plain value here: set it to " + scalar + " by hand");
    }
    node.reset(child);
  }
  return {};
}

YAML::Node without_key(const YAML::Node& root, const std::vector<std::string>& keys) {
  YAML::Node copy = YAML::Clone(root);
  std::vector<YAML::Node> path{copy};
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = child_of(path.back(), keys[i]);
    if (!next.IsMap()) return copy;
    path.push_back(next);
  }
  path.back().remove(keys.back());
  for (std::size_t i = path.size(); i-- > 1;) {
    if (path[i].size() > 0) break;
    path[i - 1].remove(keys[i - 1]);
  }
  return copy;
}

}  // namespace

Result<std::string> apply_values_scalar(const std::string& path, const std::string& text,
                                        const std::vector<std::string>& keys,
                                        const std::string& scalar) {
  if (keys.empty()) return fail(path + ": no values path to set");
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(path, text));
  if (documents.size() != 1 || !documents[0].IsMap()) {
    return fail(path + ": a values file must be one YAML mapping");
  }
  EditContext context;
  context.path = path;
  context.text = text;
  context.mark_base = detail::mark_offset(text);
  context.newline = detail::detect_newline(text);
  context.indent_step = detail::detect_indent_step(context, documents);
  PODFIT_TRY(plan_scalar(context, documents[0], keys, scalar));
  PODFIT_TRY_ASSIGN(edited, detail::apply_edits(context));
  PODFIT_TRY_ASSIGN(after, detail::load_documents(path + " (as edited)", edited));
  YAML::Node node = after.empty() ? YAML::Node() : after[0];
  for (const std::string& key : keys) node.reset(node.IsMap() ? child_of(node, key) : YAML::Node());
  if (after.size() != 1 || !node.IsScalar() || node.Scalar() != scalar ||
      YAML::Dump(without_key(documents[0], keys)) != YAML::Dump(without_key(after[0], keys))) {
    return fail(path + ": internal error: setting " + dotted(keys, keys.size()) +
                " changed more than that value; file left untouched");
  }
  return edited;
}

Result<std::string> apply_values_change(const std::string& path, const std::string& text,
                                        const std::vector<std::string>& keys,
                                        const Resources& target) {
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(path, text));
  if (documents.size() != 1 || !documents[0].IsMap()) {
    return fail(path + ": a values file must be one YAML mapping (add `" + dotted(keys, 1) +
                ":` to it first)");
  }
  EditContext context;
  context.path = path;
  context.text = text;
  context.mark_base = detail::mark_offset(text);
  context.newline = detail::detect_newline(text);
  context.indent_step = detail::detect_indent_step(context, documents);
  PODFIT_TRY(plan(context, documents[0], keys, target));
  PODFIT_TRY_ASSIGN(edited, detail::apply_edits(context));
  PODFIT_TRY(check_edit(path, documents[0], edited, keys, target));
  return edited;
}

}  // namespace podfit::manifest

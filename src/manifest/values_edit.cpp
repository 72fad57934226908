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

using detail::child;

// `leaf` under the keys from `from` on (`leaf` itself when none is left), innermost last.
Tree under(const std::vector<std::string>& keys, std::size_t from, Tree leaf) {
  for (std::size_t i = keys.size(); i-- > from;) leaf = Tree{keys[i], "", {std::move(leaf)}};
  return leaf;
}

// `resources: {...}` under the keys from `from` on.
Tree nested(const std::vector<std::string>& keys, std::size_t from, const Resources& target) {
  return under(keys, from, Tree{"resources", "", detail::resources_tree(target)});
}

// The entry of `key` in the map `node` (its view in `view`, its value in `value`); when the
// map lacks it, `missing` (the key's whole subtree) is added at the map's end instead and
// the result is nullptr: the edit is planned.
Result<const detail::MapEntry*> entry_or_add(EditContext& context, const YAML::Node& node,
                                             const std::string& key, const Tree& missing,
                                             detail::MapView& view, YAML::Node& value) {
  PODFIT_TRY_ASSIGN(found, detail::view_map(context, node, context.pos_of(node)));
  view = std::move(found);
  value.reset(child(node, key));
  const detail::MapEntry* entry = view.find(key);
  if (value.IsDefined() && entry != nullptr) return entry;
  std::vector<bool> removed(view.entries.size(), false);
  PODFIT_TRY(detail::rewrite_map(context, view, removed, {missing}));
  return static_cast<const detail::MapEntry*>(nullptr);
}

// The editor's context for the values file `path` (`documents`: its parse).
EditContext context_of(const std::string& path, const std::string& text,
                       const std::vector<YAML::Node>& documents) {
  EditContext context;
  context.path = path;
  context.text = text;
  context.mark_base = detail::mark_offset(text);
  context.newline = detail::detect_newline(text);
  context.indent_step = detail::detect_indent_step(context, documents);
  return context;
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
    detail::MapView view;
    YAML::Node value;
    PODFIT_TRY_ASSIGN(
        entry, entry_or_add(context, node, keys[depth], nested(keys, depth, target), view, value));
    if (entry == nullptr) return {};
    if (detail::is_empty_value(*entry)) {
      Tree inner = nested(keys, depth + 1, target);
      detail::fill_empty_value(context, view, *entry, {inner});
      return {};
    }
    if (!value.IsMap()) {
      return fail(context.where(entry->key_pos) + ": `" + dotted(keys, depth + 1) +
                  "` is not a mapping, so it cannot hold resources");
    }
    node.reset(value);  // rebind: yaml-cpp's operator= would overwrite the parent's value
  }
  return detail::edit_resources_of(context, detail::view_container(context, node), target);
}

// The document without `keys.back()` under the keys before it, and without the maps along
// the path that are left empty: what an edit of that value must not change.
YAML::Node without_key(const YAML::Node& root, const std::vector<std::string>& keys) {
  YAML::Node copy = YAML::Clone(root);
  std::vector<YAML::Node> path{copy};
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = child(path.back(), keys[i]);
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

Result<void> check_edit(const std::string& path, const YAML::Node& before, const std::string& text,
                        const std::vector<std::string>& keys, const Resources& target) {
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(path + " (as edited)", text));
  if (documents.empty()) return fail(path + ": internal error: the edit left no document");
  std::vector<std::string> resources_path = keys;
  resources_path.push_back("resources");
  if (YAML::Dump(without_key(before, resources_path)) !=
      YAML::Dump(without_key(documents[0], resources_path))) {
    return fail(path + ": internal error: the edit changed more than " + dotted(keys, keys.size()) +
                ".resources; file left untouched");
  }
  YAML::Node node = documents[0];
  for (const std::string& key : keys) node.reset(child(node, key));
  YAML::Node resources = child(node, "resources");
  for (const char* section : {"requests", "limits"}) {
    for (const char* name : {"cpu", "memory"}) {
      const auto& wanted = detail::field(target, section, name);
      YAML::Node values = resources.IsMap() ? child(resources, section) : YAML::Node();
      YAML::Node got = values.IsMap() ? child(values, name) : YAML::Node();
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

Result<void> plan_scalar(EditContext& context, const YAML::Node& root,
                         const std::vector<std::string>& keys, const std::string& scalar) {
  std::vector<std::string> parents(keys.begin(), keys.end() - 1);
  YAML::Node node = root;
  for (std::size_t depth = 0; depth < keys.size(); ++depth) {
    detail::MapView view;
    YAML::Node value;
    PODFIT_TRY_ASSIGN(
        entry, entry_or_add(context, node, keys[depth],
                            under(parents, depth, Tree{keys.back(), scalar, {}}), view, value));
    if (entry == nullptr) return {};
    bool last = depth + 1 == keys.size();
    if (last && value.IsScalar() && !detail::is_empty_value(*entry) && !entry->shared) {
      detail::replace_scalar(context, *entry, scalar, view.flow);
      return {};
    }
    if (last || detail::is_empty_value(*entry) || !value.IsMap()) {
      return fail(context.where(entry->key_pos) + ": `" + dotted(keys, depth + 1) +
                  "` is empty or not a plain value here: set it to " + scalar + " by hand");
    }
    node.reset(value);
  }
  return {};
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
  EditContext context = context_of(path, text, documents);
  PODFIT_TRY(plan_scalar(context, documents[0], keys, scalar));
  PODFIT_TRY_ASSIGN(edited, detail::apply_edits(context));
  PODFIT_TRY_ASSIGN(after, detail::load_documents(path + " (as edited)", edited));
  YAML::Node node = after.empty() ? YAML::Node() : after[0];
  for (const std::string& key : keys) node.reset(node.IsMap() ? child(node, key) : YAML::Node());
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
  EditContext context = context_of(path, text, documents);
  PODFIT_TRY(plan(context, documents[0], keys, target));
  PODFIT_TRY_ASSIGN(edited, detail::apply_edits(context));
  PODFIT_TRY(check_edit(path, documents[0], edited, keys, target));
  return edited;
}

}  // namespace podfit::manifest

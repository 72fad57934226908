// apply_changes: plans, per container, the smallest set of byte edits that
// make its resources equal the target (see yaml_map.hpp for the edits).
#include "podfit/manifest/editor.hpp"

#include <array>
#include <optional>

#include "manifest/resource_fields.hpp"
#include "manifest/text_scan.hpp"
#include "manifest/yaml_map.hpp"
#include "manifest/yaml_walk.hpp"

namespace podfit::manifest {

namespace {

using detail::ContainerLayout;
using detail::EditContext;
using detail::MapEntry;
using detail::MapView;
using detail::Tree;

constexpr std::array<const char*, 2> kSections = {"requests", "limits"};
constexpr std::array<const char*, 2> kNames = {"cpu", "memory"};

// The target's values of one section, in the order cpu, memory.
std::vector<Tree> wanted_values(const Resources& target, const std::string& section) {
  std::vector<Tree> values;
  for (const char* name : kNames) {
    if (const auto& value = detail::field(target, section, name)) {
      values.push_back(Tree{name, detail::value_text(*value, name), {}});
    }
  }
  return values;
}

std::vector<Tree> wanted_sections(const Resources& target) {
  std::vector<Tree> sections;
  for (const char* section : kSections) {
    auto values = wanted_values(target, section);
    if (!values.empty()) sections.push_back(Tree{section, "", std::move(values)});
  }
  return sections;
}

// Editing a value that has an anchor (or is an alias) would change other places too.
Result<void> check_not_shared(const EditContext& context, const MapEntry& entry) {
  if (!entry.shared) return {};
  return fail(context.where(entry.key_pos) + ": `" + entry.key +
              "` uses a YAML anchor or alias; podfit does not edit shared values");
}

class ContainerEditor {
 public:
  ContainerEditor(EditContext& context, const ContainerLayout& layout, const Resources& target)
      : context_(context), layout_(layout), target_(target) {}

  Result<void> edit() {
    const Result<MapView>& view = layout_.container;
    if (!view) return tl::unexpected(view.error());
    if (layout_.anchor_pos != std::string::npos) {
      return fail(context_.where(layout_.anchor_pos) +
                  ": the container has a YAML anchor, so an alias or `<<:` merge may reuse its "
                  "resources; podfit does not edit shared values");
    }
    std::vector<Tree> sections = wanted_sections(target_);
    const MapEntry* resources = view->find("resources");
    if (resources == nullptr) {
      if (sections.empty()) return {};
      std::vector<bool> removed(view->entries.size(), false);
      return detail::rewrite_map(context_, *view, removed, {Tree{"resources", "", sections}});
    }
    if (auto shared = check_not_shared(context_, *resources); !shared) return shared;
    if (detail::is_empty_value(*resources)) {
      if (!sections.empty()) detail::fill_empty_value(context_, *view, *resources, sections);
      return {};
    }
    if (!resources->value.is_map()) {
      return fail(context_.where(resources->key_pos) + ": `resources` is not a mapping");
    }
    return edit_resources(*view, *resources);
  }

 private:
  Result<void> edit_resources(const MapView& container, const MapEntry& resources_entry) {
    PODFIT_TRY_ASSIGN(viewed, viewed_map(layout_.resources, resources_entry));
    const MapView* resources = viewed;
    std::vector<bool> removed(resources->entries.size(), false);
    std::vector<Tree> added;
    for (const char* section : kSections) {
      std::vector<Tree> values = wanted_values(target_, section);
      const MapEntry* entry = resources->find(section);
      if (entry == nullptr) {
        if (!values.empty()) added.push_back(Tree{section, "", std::move(values)});
        continue;
      }
      PODFIT_TRY_ASSIGN(keep, edit_section(*resources, *entry, values));
      if (!keep) removed[entry - resources->entries.data()] = true;
    }
    bool all_removed = std::find(removed.begin(), removed.end(), false) == removed.end();
    if (all_removed && added.empty()) {
      std::vector<bool> drop(container.entries.size(), false);
      drop[&resources_entry - container.entries.data()] = true;
      return detail::rewrite_map(context_, container, drop, {});
    }
    return detail::rewrite_map(context_, *resources, removed, added);
  }

  // Edits one requests/limits entry; returns false when the whole entry should go.
  Result<bool> edit_section(const MapView& resources, const MapEntry& entry,
                            const std::vector<Tree>& values) {
    if (auto shared = check_not_shared(context_, entry); !shared) {
      return tl::unexpected(shared.error());
    }
    if (detail::is_empty_value(entry)) {
      if (values.empty()) return false;
      detail::fill_empty_value(context_, resources, entry, values);
      return true;
    }
    if (!entry.value.is_map()) {
      return fail(context_.where(entry.key_pos) + ": `" + entry.key + "` is not a mapping");
    }
    auto viewed = viewed_map(entry.key == "requests" ? layout_.requests : layout_.limits, entry);
    if (!viewed) return tl::unexpected(viewed.error());
    const MapView* section = *viewed;
    std::vector<bool> removed(section->entries.size(), false);
    std::vector<Tree> added;
    for (const char* name : kNames) {
      const MapEntry* current = section->find(name);
      if (current != nullptr) {
        if (auto shared = check_not_shared(context_, *current); !shared) {
          return tl::unexpected(shared.error());
        }
      }
      auto wanted = std::find_if(values.begin(), values.end(),
                                 [&](const Tree& value) { return value.key == name; });
      if (wanted == values.end()) {
        if (current != nullptr) removed[current - section->entries.data()] = true;
      } else if (current == nullptr) {
        added.push_back(*wanted);
      } else if (!current->value.is_scalar() || current->value.scalar != wanted->scalar) {
        detail::replace_scalar(context_, *current, wanted->scalar, section->flow);
      }
    }
    bool all_removed = std::find(removed.begin(), removed.end(), false) == removed.end();
    if (all_removed && added.empty()) return false;
    if (auto result = detail::rewrite_map(context_, *section, removed, added); !result) {
      return tl::unexpected(result.error());
    }
    return true;
  }

  // The view of a non-empty map the layout holds for `entry` (always, when the
  // layout was made from the same text).
  Result<const MapView*> viewed_map(const std::optional<Result<MapView>>& view,
                                    const MapEntry& entry) {
    if (!view)
      return fail(context_.where(entry.key_pos) + ": internal error: `" + entry.key +
                  "` was not viewed");
    if (!*view) return tl::unexpected(view->error());
    return &**view;
  }

  EditContext& context_;
  const ContainerLayout& layout_;
  const Resources& target_;
};

bool same_resources(const Resources& current, const Resources& target) {
  for (const char* section : kSections) {
    for (const char* name : kNames) {
      const auto& a = detail::field(current, section, name);
      const auto& b = detail::field(target, section, name);
      if (a.has_value() != b.has_value()) return false;
      if (a && detail::value_text(*a, name) != detail::value_text(*b, name)) return false;
    }
  }
  return true;
}

const ContainerChange* find_change(const std::vector<ContainerChange>& changes,
                                   const WorkloadRef& workload, const std::string& container) {
  for (const auto& change : changes) {
    if (change.workload == workload && change.container == container) return &change;
  }
  return nullptr;
}

// Whether the layout found at load time describes this very text and workloads.
bool layout_fits(const ManifestFile& file) {
  const detail::EditLayout* layout = file.layout.get();
  if (layout == nullptr || layout->containers.size() != file.workloads.size()) return false;
  for (std::size_t w = 0; w < file.workloads.size(); ++w) {
    if (layout->containers[w].size() != file.workloads[w].containers.size()) return false;
  }
  return layout->text_hash == detail::hash_text(file.text);
}

}  // namespace

Result<void> detail::edit_resources_of(EditContext& context, const ContainerLayout& layout,
                                       const Resources& target) {
  ContainerEditor editor(context, layout, target);
  return editor.edit();
}

std::vector<Tree> detail::resources_tree(const Resources& target) {
  return wanted_sections(target);
}

Result<std::string> apply_changes(const ManifestFile& file,
                                  const std::vector<ContainerChange>& changes) {
  if (!layout_fits(file)) {
    PODFIT_TRY_ASSIGN(parsed, parse_manifest(file.path, file.text));
    return apply_changes(parsed, changes);
  }
  EditContext context;
  context.path = file.path;
  context.text = file.text;
  context.mark_base = detail::mark_offset(file.text);
  context.newline = detail::detect_newline(file.text);
  context.indent_step = file.layout->indent_step;
  std::size_t first = file.text.find_first_not_of(" \t\r\n", context.mark_base);
  context.json =
      file.path.ends_with(".json") || (first != std::string::npos && file.text[first] == '{');

  for (std::size_t w = 0; w < file.workloads.size(); ++w) {
    const Workload& workload = file.workloads[w];
    for (std::size_t i = 0; i < workload.containers.size(); ++i) {
      const ContainerSpec& spec = workload.containers[i];
      const ContainerChange* change = find_change(changes, workload.ref, spec.name);
      if (change == nullptr || same_resources(spec.current, change->target)) continue;
      ContainerEditor editor(context, file.layout->containers[w][i], change->target);
      if (auto result = editor.edit(); !result) return tl::unexpected(result.error());
    }
  }
  PODFIT_TRY_ASSIGN(edited, detail::apply_edits(context));
  if (edited != file.text)
    PODFIT_TRY(detail::check_only_resources_changed(file.path, file.text, edited, changes));
  return edited;
}

}  // namespace podfit::manifest

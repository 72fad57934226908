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
  ContainerEditor(EditContext& context, const Resources& target)
      : context_(context), target_(target) {}

  Result<void> edit(const YAML::Node& container) {
    auto view = detail::view_map(context_, container, context_.pos_of(container));
    if (!view) return tl::unexpected(view.error());
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
    if (!resources->value.IsMap()) {
      return fail(context_.where(resources->key_pos) + ": `resources` is not a mapping");
    }
    return edit_resources(*view, *resources);
  }

 private:
  Result<void> edit_resources(const MapView& container, const MapEntry& resources_entry) {
    auto resources = detail::view_map(context_, resources_entry.value, resources_entry.value_pos);
    if (!resources) return tl::unexpected(resources.error());
    std::vector<bool> removed(resources->entries.size(), false);
    std::vector<Tree> added;
    for (const char* section : kSections) {
      std::vector<Tree> values = wanted_values(target_, section);
      const MapEntry* entry = resources->find(section);
      if (entry == nullptr) {
        if (!values.empty()) added.push_back(Tree{section, "", std::move(values)});
        continue;
      }
      auto keep = edit_section(*resources, *entry, values);
      if (!keep) return tl::unexpected(keep.error());
      if (!*keep) removed[entry - resources->entries.data()] = true;
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
    if (!entry.value.IsMap()) {
      return fail(context_.where(entry.key_pos) + ": `" + entry.key + "` is not a mapping");
    }
    auto section = detail::view_map(context_, entry.value, entry.value_pos);
    if (!section) return tl::unexpected(section.error());
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
      } else if (!current->value.IsScalar() || current->value.Scalar() != wanted->scalar) {
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

  EditContext& context_;
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

}  // namespace

Result<std::string> apply_changes(const ManifestFile& file,
                                  const std::vector<ContainerChange>& changes) {
  auto documents = detail::load_documents(file.path, file.text);
  if (!documents) return tl::unexpected(documents.error());
  auto workloads = detail::find_workloads(file.path, file.text, *documents);
  if (!workloads) return tl::unexpected(workloads.error());

  EditContext context;
  context.path = file.path;
  context.text = file.text;
  context.mark_base = detail::mark_offset(file.text);
  context.newline = detail::detect_newline(file.text);
  context.indent_step = detail::detect_indent_step(context, *documents);

  for (const auto& nodes : *workloads) {
    const Workload& workload = nodes.workload;
    for (std::size_t i = 0; i < workload.containers.size(); ++i) {
      const ContainerSpec& spec = workload.containers[i];
      const ContainerChange* change = find_change(changes, workload.ref, spec.name);
      if (change == nullptr || same_resources(spec.current, change->target)) continue;
      ContainerEditor editor(context, change->target);
      if (auto result = editor.edit(nodes.containers[i]); !result) {
        return tl::unexpected(result.error());
      }
    }
  }
  return detail::apply_edits(context);
}

}  // namespace podfit::manifest

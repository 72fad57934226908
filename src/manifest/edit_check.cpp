// The guard behind every edit: the edited text parses, and apart from the containers'
// `resources` it is the same tree as before.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "manifest/resource_fields.hpp"
#include "manifest/yaml_walk.hpp"
#include "podfit/manifest/editor.hpp"

namespace podfit::manifest::detail {

namespace {

bool is_container_list_key(const YAML::Node& key) {
  return key.IsScalar() && (key.Scalar() == "containers" || key.Scalar() == "initContainers");
}

// Where the first node of `before` whose counterpart in `after` differs starts
// (`in_container`: a container's map, whose `resources` may differ); nullopt when the trees
// are the same. A mark, not the node: the nodes compared are temporaries.
std::optional<YAML::Mark> first_difference(const YAML::Node& before, const YAML::Node& after,
                                           bool in_container) {
  if (before.Type() != after.Type() || before.Tag() != after.Tag()) return before.Mark();
  if (before.IsScalar()) {
    if (before.Scalar() == after.Scalar()) return std::nullopt;
    return before.Mark();
  }
  if (before.IsSequence()) {
    if (before.size() != after.size()) return before.Mark();
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (auto found = first_difference(before[i], after[i], in_container)) return found;
    }
    return std::nullopt;
  }
  if (!before.IsMap()) return std::nullopt;
  auto entries = [in_container](const YAML::Node& map) {
    std::vector<std::pair<YAML::Node, YAML::Node>> list;
    for (auto entry : map) {
      if (in_container && entry.first.IsScalar() && entry.first.Scalar() == "resources") continue;
      list.emplace_back(entry.first, entry.second);
    }
    return list;
  };
  auto old_entries = entries(before), new_entries = entries(after);
  if (old_entries.size() != new_entries.size()) return before.Mark();
  for (std::size_t i = 0; i < old_entries.size(); ++i) {
    const auto& [old_key, old_value] = old_entries[i];
    const auto& [new_key, new_value] = new_entries[i];
    if (auto found = first_difference(old_key, new_key, false)) return found;
    bool containers = is_container_list_key(old_key) && old_value.IsSequence();
    if (auto found = first_difference(old_value, new_value, containers)) return found;
  }
  return std::nullopt;
}

// Whether `current` (as read back) holds `target`: each value the target sets, and none
// it leaves out (but a request the reader defaulted from its limit).
bool holds(const Resources& current, const Resources& target) {
  for (const char* section : {"requests", "limits"}) {
    for (const char* name : {"cpu", "memory"}) {
      const std::optional<ResourceValue>& got = field(current, section, name);
      const std::optional<ResourceValue>& want = field(target, section, name);
      if (want) {
        if (!got || std::fabs(got->amount - want->amount) > 1e-9 * std::max(1.0, want->amount))
          return false;
        continue;
      }
      if (!got) continue;
      const std::optional<ResourceValue>& limit = field(current, "limits", name);
      bool defaulted = std::string(section) == "requests" && limit && *limit == *got;
      if (!defaulted) return false;
    }
  }
  return true;
}

// Every changed container reads back with its target's values.
Result<void> check_targets(const std::string& path, const std::string& after,
                           const std::vector<YAML::Node>& documents,
                           const std::vector<ContainerChange>& changes,
                           const std::string& untouched) {
  auto found = find_workloads(path, after, documents);
  if (!found) return fail(found.error().message + " in the edited file" + untouched);
  for (const ContainerChange& change : changes) {
    for (const WorkloadNodes& nodes : *found) {
      if (nodes.workload.ref != change.workload) continue;
      for (const ContainerSpec& container : nodes.workload.containers) {
        if (container.name != change.container || holds(container.current, change.target)) continue;
        return fail(path + ":" + std::to_string(container.line) + ": container `" + container.name +
                    "` would not read back with the recommended resources" + untouched);
      }
    }
  }
  return {};
}

}  // namespace

Result<void> check_only_resources_changed(const std::string& path, const std::string& before,
                                          const std::string& after,
                                          const std::vector<ContainerChange>& changes) {
  PODFIT_TRY_ASSIGN(old_documents, load_documents(path, before));
  auto new_documents = load_documents(path, after);
  std::string untouched = " (a podfit bug: the file is left untouched; please report it)";
  if (!new_documents) {
    return fail(path + ": the edited file would not parse: " + new_documents.error().message +
                untouched);
  }
  if (old_documents.size() != new_documents->size()) {
    return fail(path + ": the edit would change the number of YAML documents" + untouched);
  }
  for (std::size_t i = 0; i < old_documents.size(); ++i) {
    if (auto found = first_difference(old_documents[i], (*new_documents)[i], false)) {
      int line = found->is_null() ? 0 : found->line + 1;
      return fail(path + ":" + std::to_string(line) +
                  ": the edit would change more than resource values here" + untouched);
    }
  }
  return check_targets(path, after, *new_documents, changes, untouched);
}

}  // namespace podfit::manifest::detail

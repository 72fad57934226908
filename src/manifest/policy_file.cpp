// The --policy file: flat settings plus rules by namespace and label selector.
#include <algorithm>

#include "manifest/yaml_walk.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest {

namespace {

std::string where(const std::string& path, const YAML::Node& node) {
  return path + ":" + std::to_string(node.Mark().line + 1);
}

// A mapping's scalar entries into `settings`; keys in `skip` (and `rules`) are not settings.
Result<void> read_settings(const std::string& path, const YAML::Node& map,
                           std::map<std::string, std::string>& settings,
                           const std::vector<std::string>& skip) {
  for (auto entry : map) {
    if (!entry.first.IsScalar())
      return fail(where(path, entry.first) + ": a setting name must be text");
    const std::string& key = entry.first.Scalar();
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    if (entry.second.IsNull())
      return fail(where(path, entry.first) + ": '" + key + "' has no value");
    if (!entry.second.IsScalar()) {
      return fail(where(path, entry.second) + ": '" + key + "' must be a single value, not a " +
                  (entry.second.IsMap() ? "mapping" : "list"));
    }
    if (!settings.emplace(key, entry.second.Scalar()).second) {
      return fail(where(path, entry.first) + ": '" + key + "' is set twice");
    }
  }
  return {};
}

Result<YAML::Node> root_of(const std::string& path, const std::string& text) {
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(path, text));
  if (documents.empty() || (documents.size() == 1 && documents.front().IsNull())) {
    return YAML::Node(YAML::NodeType::Map);
  }
  if (documents.size() > 1) return fail(path + ": expected one YAML document, found several");
  if (!documents.front().IsMap()) {
    return fail(where(path, documents.front()) + ": expected a mapping of setting: value");
  }
  return documents.front();
}

Result<PolicyRuleSpec> read_rule(const std::string& path, const YAML::Node& item) {
  PolicyRuleSpec rule;
  rule.origin = where(path, item) + " (rule)";
  if (!item.IsMap()) return fail(where(path, item) + ": a rule must be a mapping");
  for (const char* key : {"namespace", "selector"}) {
    YAML::Node value = item[key];
    if (!value) continue;
    if (!value.IsScalar()) return fail(where(path, value) + ": a rule's " + key + " must be text");
    (std::string(key) == "namespace" ? rule.namespace_name : rule.selector) = value.Scalar();
  }
  PODFIT_TRY(read_settings(path, item, rule.settings, {"namespace", "selector"}));
  if (rule.settings.empty()) return fail(where(path, item) + ": a rule without settings");
  return rule;
}

}  // namespace

Result<std::map<std::string, std::string>> load_settings_file(const std::string& path) {
  PODFIT_TRY_ASSIGN(text, read_whole_file(path));
  PODFIT_TRY_ASSIGN(root, root_of(path, text));
  std::map<std::string, std::string> settings;
  PODFIT_TRY(read_settings(path, root, settings, {}));
  return settings;
}

Result<PolicyFile> load_policy_file(const std::string& path) {
  PODFIT_TRY_ASSIGN(text, read_whole_file(path));
  PODFIT_TRY_ASSIGN(root, root_of(path, text));
  PolicyFile file;
  PODFIT_TRY(read_settings(path, root, file.settings, {"rules"}));
  YAML::Node rules = root["rules"];
  if (!rules || rules.IsNull()) return file;
  if (!rules.IsSequence()) return fail(where(path, rules) + ": `rules` must be a list");
  for (const auto& item : rules) {
    PODFIT_TRY_ASSIGN(rule, read_rule(path, item));
    file.rules.push_back(std::move(rule));
  }
  return file;
}

}  // namespace podfit::manifest

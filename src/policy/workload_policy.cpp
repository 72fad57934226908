// resolve_policy: the base settings, the matching rules, then the workload's annotations.
#include "podfit/policy/workload_policy.hpp"

namespace podfit::policy {

namespace {

// "cpu-limit=none from annotation podfit.io/cpu-limit" for each setting.
void note_origins(const std::map<std::string, std::string>& settings, const std::string& from,
                  std::vector<std::string>& origins) {
  for (const auto& [key, value] : settings) origins.push_back(key + "=" + value + " from " + from);
}

bool rule_matches(const PolicyRule& rule, const WorkloadRef& workload, const WorkloadFacts* facts) {
  if (!rule.namespace_name.empty() && rule.namespace_name != workload.namespace_name) return false;
  if (rule.selector.empty()) return true;
  return facts != nullptr && rule.selector.matches(facts->labels);
}

}  // namespace

Result<PolicyRule> make_rule(std::string origin, std::string namespace_name,
                             const std::string& selector,
                             std::map<std::string, std::string> settings) {
  PolicyRule rule{std::move(origin), std::move(namespace_name), {}, std::move(settings)};
  if (!selector.empty()) {
    auto parsed = parse_label_selector(selector);
    if (!parsed) return fail(rule.origin + ": selector: " + parsed.error().message);
    rule.selector = std::move(*parsed);
  }
  PODFIT_TRY(apply_settings(PolicyOptions{}, rule.settings, rule.origin));
  return rule;
}

WorkloadPolicy resolve_policy(const PolicySet& set, const WorkloadRef& workload,
                              const WorkloadFacts* facts) {
  WorkloadPolicy policy{set.base, false, {}, ""};
  for (const PolicyRule& rule : set.rules) {
    if (!rule_matches(rule, workload, facts)) continue;
    auto applied = apply_settings(policy.options, rule.settings, rule.origin);
    if (!applied) {  // each rule was checked alone; together they can still conflict
      policy.error = applied.error().message;
      return policy;
    }
    policy.options = *applied;
    if (policy.options.half_life_seconds != set.base.half_life_seconds) {
      policy.error = rule.origin + ": half-life is one setting per run, not per rule";
      return policy;
    }
    note_origins(rule.settings, rule.origin, policy.origins);
  }
  if (facts == nullptr) return policy;
  std::map<std::string, std::string> annotated;
  std::string prefix = kAnnotationPrefix;
  for (const auto& [key, value] : facts->annotations) {
    if (key.rfind(prefix, 0) != 0) continue;
    std::string setting = key.substr(prefix.size());
    if (setting == "values-path") continue;  // for Helm values files (manifest/helm.cpp)
    if (setting == "ignore") {
      if (value != "true" && value != "false") {
        policy.error = facts->origin + ": annotation " + key + ": \"" + value +
                       "\" is not valid (expected \"true\" or \"false\")";
        return policy;
      }
      policy.ignored = value == "true";
      continue;
    }
    annotated[setting] = value;
  }
  if (annotated.empty()) return policy;
  auto applied =
      apply_settings(policy.options, annotated, facts->origin + ": annotation " + prefix + "...");
  if (!applied) {
    policy.error = applied.error().message;
    return policy;
  }
  policy.options = *applied;
  if (policy.options.half_life_seconds != set.base.half_life_seconds) {
    policy.error = facts->origin + ": annotation " + prefix +
                   "half-life: the half-life is one setting per run (give --half-life)";
    return policy;
  }
  for (const auto& [key, value] : annotated) {
    policy.origins.push_back(key + "=" + value + " from annotation " + prefix + key);
  }
  return policy;
}

}  // namespace podfit::policy

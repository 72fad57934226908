#include "podfit/core/workload.hpp"

#include <algorithm>

namespace podfit {

namespace {

bool requirement_matches(const LabelRequirement& requirement, const Labels& labels) {
  auto found = labels.find(requirement.key);
  bool has_key = found != labels.end();
  auto listed = [&] {
    return has_key && std::find(requirement.values.begin(), requirement.values.end(),
                                found->second) != requirement.values.end();
  };
  switch (requirement.op) {
    case LabelRequirement::Operator::in:
      return listed();
    case LabelRequirement::Operator::not_in:
      return !listed();
    case LabelRequirement::Operator::exists:
      return has_key;
    case LabelRequirement::Operator::does_not_exist:
      return !has_key;
  }
  return false;
}

}  // namespace

bool LabelSelector::matches(const Labels& labels) const {
  if (empty()) return false;
  for (const auto& [key, value] : match_labels) {
    auto found = labels.find(key);
    if (found == labels.end() || found->second != value) return false;
  }
  return std::all_of(match_expressions.begin(), match_expressions.end(),
                     [&](const LabelRequirement& r) { return requirement_matches(r, labels); });
}

std::string WorkloadRef::display() const {
  std::string ns = namespace_name.empty() ? "-" : namespace_name;  // as the tables write it
  return ns + "/" + kind + "/" + name;
}

}  // namespace podfit

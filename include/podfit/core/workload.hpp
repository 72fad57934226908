// Plain types shared by every stage of the pipeline: which workload a
// container belongs to, label selectors, and resource values.
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"

namespace podfit {

using Labels = std::map<std::string, std::string>;

struct LabelRequirement {
  enum class Operator { in, not_in, exists, does_not_exist };
  std::string key;
  Operator op = Operator::exists;
  std::vector<std::string> values;
};

// metav1.LabelSelector: matchLabels AND every matchExpressions entry.
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelRequirement> match_expressions;

  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  // An empty selector matches nothing (as for a Deployment, where it is invalid).
  bool matches(const Labels& labels) const;
};

struct WorkloadRef {
  std::string namespace_name;  // empty: the manifest names none (matches any namespace)
  std::string kind;            // Deployment, StatefulSet, ..., or "DaemonSet|Job" when
                               // only the pod name is known and it cannot tell
  std::string name;

  auto operator<=>(const WorkloadRef&) const = default;
  std::string display() const;  // "sample/Deployment/api"; "-/Deployment/api" without a namespace
};

// One resource value: the amount in base units (cores or bytes) and the text
// as written in the manifest (or as podfit formats it).
struct ResourceValue {
  double amount = 0;
  std::string text;

  bool operator==(const ResourceValue&) const = default;
};

struct Resources {
  std::optional<ResourceValue> cpu_request;
  std::optional<ResourceValue> cpu_limit;
  std::optional<ResourceValue> memory_request;
  std::optional<ResourceValue> memory_limit;

  bool operator==(const Resources&) const = default;
  bool empty() const { return !cpu_request && !cpu_limit && !memory_request && !memory_limit; }
};

// What a workload's container asks for right now (from the cluster).
struct WorkloadResources {
  WorkloadRef workload;
  std::string container;
  Resources current;
};

// kubectl's -l syntax: "app=web,tier!=db,env in (a,b),!canary" -> the selector; errors
// quote the text.
Result<LabelSelector> parse_label_selector(const std::string& text);

}  // namespace podfit

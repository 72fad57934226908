// Inside the policy module: one request or limit being built, with the words that
// explain it (recommend.cpp, workload_rules.cpp).
#pragma once

#include <optional>
#include <string>

#include "podfit/policy/policy.hpp"

namespace podfit::policy::detail {

enum class Kind { cpu, memory };

struct Target {
  Kind kind;
  std::string label;  // "cpu request"
  std::optional<ResourceValue> value;
  std::string why;    // "p95 18.2m x 1.15"; for an absent value, why there is none
  bool kept = false;  // the current value, kept by min-change
};

double statistic_of(const stats::Summary& summary, Statistic statistic);
// Three significant digits ("18.2", "250"), no exponent.
std::string three_digits(double value);
// A measured amount for people to read: "18.2m", "1.25" cores; "512Ki", "44.6Mi", "1.2Gi".
std::string describe(Kind kind, double amount);
// CPU to whole millicores, memory to whole Mi (round_cpu / round_memory in rounding.cpp).
ResourceValue rounded(Kind kind, double amount);
// `statistic` of `summary` x `margin`, at least `minimum`.
Target computed(Kind kind, std::string label, const stats::Summary& summary, Statistic statistic,
                double margin, double minimum);
// `amount` (explained by `formula`) x `margin`, at least `minimum`.
Target scaled(Kind kind, std::string label, double amount, const std::string& formula,
              double margin, double minimum);
// Replaces `target` with `bound` (the other side of a request <= limit pair).
void clamp_to(Target& target, const Target& bound, const std::string& bound_name,
              const char* relation);
// Keeps the current value when the target differs from it by less than `min_change`.
void keep_small_change(Target& target, const std::optional<ResourceValue>& current,
                       double min_change);
std::string percent(double fraction);  // 0.125 -> "12.5%"
// "cpu request 250m = p90 ..." or "kept ..." or "no ...".
std::string explain(const Target& target, double min_change);

}  // namespace podfit::policy::detail

// The pieces every rule builds a request or limit from (target.hpp).
#include "policy/target.hpp"

#include <cmath>
#include <cstdio>

namespace podfit::policy::detail {

constexpr double kMebibyte = 1024.0 * 1024.0;

double statistic_of(const stats::Summary& summary, Statistic statistic) {
  switch (statistic) {
    case Statistic::p50:
      return summary.p50;
    case Statistic::p80:  // not kept on its own: the tail has it (empty only without samples)
      for (const stats::TailPoint& point : summary.tail) {
        if (point.q == 80) return point.value;
      }
      return 0;
    case Statistic::p90:
      return summary.p90;
    case Statistic::p95:
      return summary.p95;
    case Statistic::p99:
      return summary.p99;
    case Statistic::max:
      return summary.max;
  }
  return summary.max;
}

std::string three_digits(double value) {
  char buffer[32];
  // %.3g would switch to exponent notation from 999.5 up.
  std::snprintf(buffer, sizeof buffer, value >= 100 ? "%.0f" : "%.3g", value);
  return buffer;
}

// A measured amount for people to read: "18.2m", "1.25" cores; "512Ki", "44.6Mi", "1.2Gi".
std::string describe(Kind kind, double amount) {
  if (kind == Kind::cpu)
    return amount < 1 ? three_digits(amount * 1000) + "m" : three_digits(amount);
  if (amount < kMebibyte) return three_digits(amount / 1024) + "Ki";
  if (amount < 1024 * kMebibyte) return three_digits(amount / kMebibyte) + "Mi";
  return three_digits(amount / (1024 * kMebibyte)) + "Gi";
}

// CPU to whole millicores, memory to whole Mi (round_cpu / round_memory in rounding.cpp).
ResourceValue rounded(Kind kind, double amount) {
  return kind == Kind::cpu ? round_cpu(amount) : round_memory(amount);
}

Target scaled(Kind kind, std::string label, double amount, const std::string& formula,
              double margin, double minimum) {
  std::string why = formula + " x " + three_digits(margin);
  double raw = amount * margin;
  if (raw < minimum) {
    return Target{kind, std::move(label), rounded(kind, minimum),
                  "minimum " + describe(kind, minimum) + " (" + why + " is below it)"};
  }
  return Target{kind, std::move(label), rounded(kind, raw), why};
}

Target computed(Kind kind, std::string label, const stats::Summary& summary, Statistic statistic,
                double margin, double minimum) {
  double measured = statistic_of(summary, statistic);
  return scaled(kind, std::move(label), measured,
                std::string(statistic_name(statistic)) + " " + describe(kind, measured), margin,
                minimum);
}

// Replaces `target` with `bound` (the other side of a request <= limit pair).
void clamp_to(Target& target, const Target& bound, const std::string& bound_name,
              const char* relation) {
  std::string was = target.kept ? "current " + target.value->text : target.why;
  target.value = bound.value;
  target.why = bound_name + " (" + was + " is " + relation + " it)";
  target.kept = false;
}

// Keeps the current value when the target differs from it by less than `min_change`.
void keep_small_change(Target& target, const std::optional<ResourceValue>& current,
                       double min_change) {
  if (!target.value || !current) return;
  double change = current->amount == 0
                      ? INFINITY
                      : std::fabs(target.value->amount - current->amount) / current->amount;
  if (target.value->amount != current->amount && change >= min_change) return;
  target.value = current;
  target.kept = true;
}

std::string percent(double fraction) {
  return three_digits(fraction * 100) + "%";
}

std::string explain(const Target& target, double min_change) {
  if (target.kept) {
    return "kept " + target.label + " " + target.value->text + " (change < " + percent(min_change) +
           ")";
  }
  if (!target.value) return "no " + target.label + " (" + target.why + ")";
  return target.label + " " + target.value->text + " = " + target.why;
}

}  // namespace podfit::policy::detail

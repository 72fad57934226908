#include <cmath>

#include "podfit/policy/policy.hpp"
#include "podfit/quantity/quantity.hpp"

namespace podfit::policy {

namespace {

constexpr double kMebibyte = 1024.0 * 1024.0;

// Up to a whole unit, ignoring float noise just above one (21.000000000000004m is 21m).
double ceil_units(double value) {
  double nearest = std::nearbyint(value);
  if (std::fabs(value - nearest) <= 1e-9 * std::fmax(1.0, std::fabs(value))) return nearest;
  return std::ceil(value);
}

}  // namespace

ResourceValue round_cpu(double cores) {
  double rounded = ceil_units(cores * 1000) / 1000;
  return ResourceValue{rounded, quantity::format_cpu(rounded)};
}

ResourceValue round_memory(double bytes) {
  double rounded = ceil_units(bytes / kMebibyte) * kMebibyte;
  return ResourceValue{rounded, quantity::format_memory(rounded)};
}

}  // namespace podfit::policy

// Decay-weighted buckets of merged hours (core/decay_weights.hpp).
#include "podfit/core/decay_weights.hpp"

#include <algorithm>

namespace podfit {

namespace {

constexpr double kMaxExponent = 128;

}  // namespace

double& DecayWeights::Buckets::at(int index) {
  if (weights.empty()) {
    first_index = index;
  } else if (index < first_index) {
    weights.insert(weights.begin(), static_cast<std::size_t>(first_index - index), 0.0);
    first_index = index;
  }
  auto offset = static_cast<std::size_t>(index - first_index);
  if (offset >= weights.size()) weights.resize(offset + 1, 0.0);
  return weights[offset];
}

void DecayWeights::Buckets::add(const QuantileSketch& hour, double weight) {
  zero_weight += static_cast<double>(hour.zero_count()) * weight;
  hour.for_each_indexed_bucket(
      [&](int index, std::uint64_t count) { at(index) += static_cast<double>(count) * weight; });
  weighted_sum += static_cast<long double>(hour.sum()) * weight;
}

void DecayWeights::Buckets::scale(double by) {
  zero_weight *= by;
  for (double& weight : weights) weight *= by;
  weighted_sum *= by;
}

void DecayWeights::move_reference(std::int64_t to_ns) {
  double by = scale_at(to_ns);
  cpu.scale(by);
  memory.scale(by);
  weight *= by;
  weight_squares *= static_cast<long double>(by) * by;
  reference_ns = to_ns;
}

void DecayWeights::add(const QuantileSketch& hour_cpu, const QuantileSketch& hour_memory,
                       std::int64_t midpoint_ns) {
  if (hour_cpu.count() == 0) return;
  if (newest_midpoint_ns == std::numeric_limits<std::int64_t>::min()) reference_ns = midpoint_ns;
  newest_midpoint_ns = std::max(newest_midpoint_ns, midpoint_ns);
  double exponent = static_cast<double>(midpoint_ns - reference_ns) / 1e9 / half_life_seconds;
  if (exponent > kMaxExponent) {
    move_reference(midpoint_ns);
    exponent = 0;
  }
  double w = std::exp2(exponent);
  cpu.add(hour_cpu, w);
  memory.add(hour_memory, w);
  auto count = static_cast<long double>(hour_cpu.count());
  weight += count * w;
  weight_squares += count * w * w;
}

}  // namespace podfit

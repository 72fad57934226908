// Time decay over hours merged into one HourSketch (--half-life; docs/scale.md): each
// hour's bucket counts weighed as its midpoint's age weighs them, so a month of a
// container's hours takes the memory of one sketch, not of 672.
//
// A weight is 2^((midpoint - reference_ns) / half-life). Decay needs only the ratios of
// weights, which do not depend on the reference; it moves forward when weights would
// grow past 2^128, so that neither they nor their squares leave a double's range.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "podfit/core/quantile_sketch.hpp"

namespace podfit {

struct DecayWeights {
  // One resource's weighted buckets, by bucket index (dense: a few hundred at most).
  struct Buckets {
    double zero_weight = 0;
    int first_index = 0;
    std::vector<double> weights;   // [i]: bucket first_index + i
    long double weighted_sum = 0;  // sum of value x weight, from the hours' exact sums

    void add(const QuantileSketch& hour, double weight);
    void scale(double by);

   private:
    double& at(int index);
  };

  double half_life_seconds = 0;
  std::int64_t reference_ns = 0;
  std::int64_t newest_midpoint_ns = std::numeric_limits<std::int64_t>::min();
  Buckets cpu, memory;
  long double weight = 0, weight_squares = 0;  // sum of count x w, and of count x w^2

  explicit DecayWeights(double half_life = 0) : half_life_seconds(half_life) {}

  // Adds one hour: its two sketches, weighed as `midpoint_ns`.
  void add(const QuantileSketch& hour_cpu, const QuantileSketch& hour_memory,
           std::int64_t midpoint_ns);
  // What a weight kept here is worth when ages count from `newest_ns`.
  double scale_at(std::int64_t newest_ns) const {
    return std::exp2(static_cast<double>(reference_ns - newest_ns) / 1e9 / half_life_seconds);
  }

 private:
  void move_reference(std::int64_t to_ns);
};

// Each weighted bucket of `buckets` as visit(value, weight x scale), ascending: zeros as
// 0, the others at the value `grid` (a sketch of the hours' accuracy) answers for their
// index, capped at `max` (a bucket's value is within the accuracy of its values, so
// percentiles are too).
template <typename Visit>
void for_each_weighted(const DecayWeights::Buckets& buckets, const QuantileSketch& grid, double max,
                       double scale, Visit&& visit) {
  if (buckets.zero_weight > 0) visit(0.0, buckets.zero_weight * scale);
  for (std::size_t i = 0; i < buckets.weights.size(); ++i) {
    if (buckets.weights[i] <= 0) continue;
    double value = grid.bucket_value(buckets.first_index + static_cast<int>(i));
    visit(std::min(value, max), buckets.weights[i] * scale);
  }
}

}  // namespace podfit

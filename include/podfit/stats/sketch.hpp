// A mergeable quantile sketch with a relative-error guarantee, for long histories.
//
// Positive values go to logarithmically spaced buckets: bucket i holds
// (gamma^(i-1), gamma^i] with gamma = (1 + a) / (1 - a). Any quantile estimate
// is within relative error `a` (default 1 %) of a sample value of that rank.
// Count, sum and max are exact. Two sketches with the same accuracy merge by
// adding bucket counts, so per-hour sketches combine into any longer period.
// The format is documented in docs/store.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "podfit/core/error.hpp"

namespace podfit::stats {

class QuantileSketch {
 public:
  explicit QuantileSketch(double relative_accuracy = 0.01);

  void add(double value, std::uint64_t count = 1);  // negative values count as zero
  Result<void> merge(const QuantileSketch& other);  // fails if the accuracies differ

  // q in [0, 100]: the value of rank q/100 * (count - 1), as numpy's "lower" method
  // would pick it, within the relative accuracy. 0 when empty.
  double quantile(double q) const;

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double relative_accuracy() const { return accuracy_; }
  std::size_t bucket_count() const { return buckets_.size() + (zero_count_ > 0); }

  // Compact binary form (docs/store.md) and back; decode errors say what is wrong.
  std::string encode() const;
  static Result<QuantileSketch> decode(const std::string& bytes);

 private:
  int bucket_of(double value) const;
  double value_of(int bucket) const;

  double accuracy_;
  double gamma_;
  double log_gamma_;
  std::map<int, std::uint64_t> buckets_;
  std::uint64_t zero_count_ = 0;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double max_ = 0;
};

}  // namespace podfit::stats

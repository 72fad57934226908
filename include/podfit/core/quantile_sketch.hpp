// A mergeable quantile sketch with a relative-error guarantee, for long histories.
//
// Positive values go to logarithmically spaced buckets: bucket i holds
// (gamma^(i-1), gamma^i] with gamma = (1 + a) / (1 - a). Any quantile estimate
// is within relative error `a` (default 1 %) of a sample value of that rank.
// Count, sum and max are exact. Two sketches with the same accuracy merge by
// adding bucket counts, so per-hour sketches combine into any longer period.
// The format is documented in docs/store.md.
//
// While a sketch has seen at most kExactValues distinct positive values, it keeps each
// value and its count instead of buckets (exact()): its quantiles are then numpy's
// default "linear" percentiles, exactly. Real usage is often quantized (a VM's CPU in
// steps of its clock, a request tied with many samples), and a bucket's estimate next
// to such a tie moves a backtest's share over a request by points, not by 1 %. It
// turns into buckets for good on the first value, or merge, past the limit, and when it
// merges a bucketed sketch. The binary form is always the buckets.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "podfit/core/error.hpp"

namespace podfit {

class QuantileSketch {
 public:
  explicit QuantileSketch(double relative_accuracy = 0.01);

  // Distinct values kept exactly before a sketch turns into buckets: 16 bytes each,
  // as a bucket, and fewer than the raw points of a series that gets folded.
  static constexpr std::size_t kExactValues = 1024;

  void add(double value, std::uint64_t count = 1);  // negative values count as zero
  // add(value_of(item)) for each item of `items`, in order, with one pass over the
  // buckets at the end: for long series.
  template <typename Items, typename ValueOf>
  void add_each(const Items& items, ValueOf&& value_of) {
    if (exact_mode_) {
      std::vector<double> values;
      values.reserve(std::size(items));
      for (const auto& item : items) values.push_back(value_of(item));
      add_exact_each(std::move(values));
      return;
    }
    std::vector<int> indices;
    indices.reserve(std::size(items));
    for (const auto& item : items) {
      double value = value_of(item);
      if (value != value) continue;  // NaN, as add() skips it
      if (value <= kZeroThreshold) {
        ++zero_count_;
        value = std::max(value, 0.0);
      } else {
        indices.push_back(bucket_of(value));
      }
      max_ = count_ == 0 ? value : std::max(max_, value);
      ++count_;
      sum_ += value;
    }
    add_to_buckets(indices);
  }
  Result<void> merge(const QuantileSketch& other);  // fails if the accuracies differ

  // q in [0, 100]: the value of rank q/100 * (count - 1), as numpy's "lower" method
  // would pick it, within the relative accuracy; while exact(), numpy's "linear"
  // percentile itself. 0 when empty.
  double quantile(double q) const;
  // Every value is kept as it was added (zeros and values below 1e-12 as 0).
  bool exact() const { return exact_mode_; }
  // Buckets from now on: for a sketch that will be merged with bucketed ones anyway (a
  // store's hours), whose exact values would only cost time and memory meanwhile.
  void to_buckets() { leave_exact(); }

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double relative_accuracy() const { return accuracy_; }
  std::size_t bucket_count() const {
    return (exact_mode_ ? exact_.size() : buckets_.size()) + (zero_count_ > 0);
  }

  // Each non-empty bucket in ascending order as visit(value, count): zeros as 0, the
  // others at the value quantile() would answer for them (for weighted merges). While
  // exact(), each value with its count.
  template <typename Visit>
  void for_each_bucket(Visit&& visit) const {
    if (zero_count_ > 0) visit(0.0, zero_count_);
    if (exact_mode_) {
      for (const ExactValue& exact : exact_) visit(exact.value, exact.count);
      return;
    }
    for (const Bucket& bucket : buckets_)
      visit(std::min(value_of(bucket.index), max_), bucket.count);
  }

  // Each non-empty bucket in ascending order as visit(low, high, count): the values it
  // holds lie in (low, high], high capped at the max (zeros: 0, 0). For readers that
  // spread a bucket's count over its range (a backtest's replay). While exact(), each
  // value as visit(value, value, count).
  template <typename Visit>
  void for_each_bucket_range(Visit&& visit) const {
    if (zero_count_ > 0) visit(0.0, 0.0, zero_count_);
    if (exact_mode_) {
      for (const ExactValue& exact : exact_) visit(exact.value, exact.value, exact.count);
      return;
    }
    for (const Bucket& bucket : buckets_) {
      double high = std::min(upper_bound_of(bucket.index), max_);
      visit(std::min(upper_bound_of(bucket.index - 1), high), high, bucket.count);
    }
  }

  // The buckets by index, for a reader that accumulates them over many sketches of one
  // accuracy (time decay): visit(index, count) ascending, zeros apart; and the value
  // quantile() answers for a bucket index (before it is capped at the max). While
  // exact(), the buckets its values would fill.
  std::uint64_t zero_count() const { return zero_count_; }
  template <typename Visit>
  void for_each_indexed_bucket(Visit&& visit) const {
    if (exact_mode_) {
      for (const Bucket& bucket : buckets_of_exact()) visit(bucket.index, bucket.count);
      return;
    }
    for (const Bucket& bucket : buckets_) visit(bucket.index, bucket.count);
  }
  double bucket_value(int index) const { return value_of(index); }

  // Compact binary form (docs/store.md) and back; decode errors say what is wrong.
  std::string encode() const;
  // Reads format 2 and the older format 1.
  static Result<QuantileSketch> decode(std::string_view bytes);
  // merge(decode(bytes)) without building the decoded sketch: a long history merges
  // a million hour sketches, and each would be an allocation.
  Result<void> merge_encoded(std::string_view bytes);

 private:
  struct Bucket {
    int index;
    std::uint64_t count;
  };
  struct ExactValue {
    double value;
    std::uint64_t count;
  };

  // Format 2's fields; the buckets go to `buckets` (cleared first).
  struct Header {
    double accuracy = 0;
    std::uint64_t count = 0, zero_count = 0;
    double sum = 0, max = 0;
  };
  static Result<void> decode_version2(std::string_view bytes, Header& header,
                                      std::vector<Bucket>& buckets);
  static Result<QuantileSketch> decode_version1(std::string_view bytes);
  int bucket_of(double value) const;
  double value_of(int bucket) const;
  double upper_bound_of(int bucket) const;         // gamma^bucket
  static constexpr double kZeroThreshold = 1e-12;  // below: a zero (a nanocore is far above)

  // Exact mode: false when `value` is new and kExactValues are kept already.
  bool add_exact(double value, std::uint64_t count);
  void add_exact_each(std::vector<double> values);  // add() of each, sorted and merged once
  // Adds sorted `other` to the kept values; buckets if that makes too many.
  void merge_exact(const std::vector<ExactValue>& other);
  std::vector<Bucket> buckets_of_exact() const;  // the values' buckets, ascending
  void leave_exact();                            // into buckets, for good
  double exact_value_at_rank(std::uint64_t rank) const;

  void add_to_bucket(int index, std::uint64_t count);
  void add_to_buckets(const std::vector<int>& indices);
  void set_bucket(int index, std::uint64_t count);
  void merge_buckets(const std::vector<Bucket>& other);

  double accuracy_;
  double gamma_;
  double log_gamma_;
  // Sorted by index, one entry per index: contiguous, as there are millions of
  // small sketches in a long history (a map's nodes cost more than the counts).
  std::vector<Bucket> buckets_;
  std::vector<ExactValue> exact_;  // positive values ascending, while exact_mode_
  bool exact_mode_ = true;
  std::uint64_t zero_count_ = 0;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double max_ = 0;
};

}  // namespace podfit

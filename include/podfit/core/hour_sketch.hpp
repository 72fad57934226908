// One container's usage over one clock hour, compacted into quantile sketches (or
// several of its hours merged): what the store keeps past its raw window and what
// the statistics read beside raw samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "podfit/core/decay_weights.hpp"
#include "podfit/core/quantile_sketch.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/core/time.hpp"

namespace podfit {

struct HourSketch {
  std::uint32_t pod = 0;  // index into the SampleSet's pods() it comes with
  std::string container;
  std::int64_t hour_start_ns = 0;  // a multiple of kNanosPerHour
  std::int64_t end_ns = 0;         // end of the (last) hour; 0: hour_start_ns + 1 h
  QuantileSketch cpu;
  QuantileSketch memory;
  // Raw points folded while read (history's compactor): their times are kept exactly in a
  // CompactedSeries, so this sketch gives values and peaks only, not the time covered.
  bool folded = false;
  // Hours merged for time decay: their bucket counts, each weighed by its hour's age.
  // Statistics with a half-life read these instead of the counts (which stay for count
  // and max); null for a single hour, which weighs what its midpoint does.
  std::shared_ptr<DecayWeights> decay;
  // Hours merged into one part of a backtest (TimeParts): each clock hour's start and
  // its CPU and memory maxima, in time order, so replays and VPA's daily peaks still see
  // hours. Empty otherwise (one hour is its own peak).
  std::vector<SamplePoint> peaks;

  std::int64_t end() const { return end_ns != 0 ? end_ns : hour_start_ns + kNanosPerHour; }
};

}  // namespace podfit

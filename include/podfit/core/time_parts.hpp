// Time cut into parts at ascending bounds: what a backtest reads its history as (its
// training and test parts, or walk-forward's intervals and windows), so a reader can
// keep one sketch per part instead of every raw point or every hour.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace podfit {

struct TimeParts {
  std::vector<std::int64_t> bounds;  // ascending, distinct; empty: one part, all time

  bool empty() const { return bounds.empty(); }
  // Part 0 is before bounds[0]; part k is [bounds[k-1], bounds[k]); the last is from the
  // last bound on.
  std::size_t part_of(std::int64_t time_ns) const {
    return static_cast<std::size_t>(std::upper_bound(bounds.begin(), bounds.end(), time_ns) -
                                    bounds.begin());
  }
};

}  // namespace podfit

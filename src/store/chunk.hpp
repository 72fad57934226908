// Raw points of one series and clock hour packed into one blob (docs/store.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/sample_set.hpp"

namespace podfit::store {

// `points` sorted by time, unique, all inside hour `hour` (Unix hours). Every
// value reads back as the very same double.
std::string encode_chunk(std::int64_t hour, const std::vector<SamplePoint>& points);

// Appends the chunk's points to `out`. Errors say what is wrong with the bytes.
Result<void> decode_chunk(std::int64_t hour, std::string_view bytes, std::vector<SamplePoint>& out);

// Merges `more` (any order, may repeat) into sorted unique `points`; a time
// already there keeps its first value. Returns how many points were new.
std::size_t merge_points(std::vector<SamplePoint>& points, std::vector<SamplePoint> more);

}  // namespace podfit::store

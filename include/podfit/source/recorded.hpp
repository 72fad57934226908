// Recorded samples: JSON Lines where each non-empty line is a PodMetricsList
// (GET /apis/metrics.k8s.io/v1beta1/pods) or a single PodMetrics object.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/sample_set.hpp"

namespace podfit::source {

struct ReadSummary {
  std::size_t lines = 0;              // non-empty lines read
  std::size_t points = 0;             // container points added (before de-duplication)
  std::size_t skipped = 0;            // malformed lines reported and skipped
  std::vector<std::string> warnings;  // "file:line: what is wrong", at most the first 20
};

// Called with the samples read so far after every kPointsPerCheck points (at a line's
// end) and at the end of the stream: a reader that compacts long series as it reads
// (history::load_recorded) keeps its memory bounded so.
using PointsHook = std::function<void(SampleSet&)>;
inline constexpr std::size_t kPointsPerCheck = 1 << 16;

// Reads one stream; `display_name` names it in warnings ("-" for stdin).
// A malformed line is a warning, not an error: the read goes on.
ReadSummary read_recorded(std::istream& in, const std::string& display_name, SampleSet& samples,
                          const PointsHook& every_points = {});

// Reads a file ("-" = standard input). Fails only when the file cannot be opened or read.
Result<ReadSummary> read_recorded_file(const std::string& path, SampleSet& samples,
                                       const PointsHook& every_points = {});

}  // namespace podfit::source

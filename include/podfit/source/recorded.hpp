// Recorded samples: JSON Lines where each non-empty line is a PodMetricsList
// (GET /apis/metrics.k8s.io/v1beta1/pods) or a single PodMetrics object.
#pragma once

#include <cstddef>
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

// Reads one stream; `display_name` names it in warnings ("-" for stdin).
// A malformed line is a warning, not an error: the read goes on.
ReadSummary read_recorded(std::istream& in, const std::string& display_name, SampleSet& samples);

// Reads a file ("-" = standard input). Fails only when the file cannot be opened or read.
Result<ReadSummary> read_recorded_file(const std::string& path, SampleSet& samples);

}  // namespace podfit::source

// The sample line reader (JSONL of PodMetricsList): any bytes are lines read or lines
// reported and skipped, never a crash; every point kept is finite.
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_check.hpp"
#include "podfit/source/recorded.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  podfit::SampleSet samples;
  podfit::source::ReadSummary summary = podfit::source::read_recorded(in, "fuzz.jsonl", samples);
  FUZZ_CHECK(summary.skipped <= summary.lines);
  FUZZ_CHECK(summary.warnings.size() <= 21);
  samples.finalize();
  for (const auto& series : samples.series()) {
    FUZZ_CHECK(series.pod < samples.pods().size());
    for (const auto& point : series.points) {
      FUZZ_CHECK(std::isfinite(point.cpu_cores) && std::isfinite(point.memory_bytes));
    }
  }
  return 0;
}

// Prometheus answers (query_range matrices and series lists): parsed or refused with a
// message, never a crash.
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "podfit/source/prometheus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto matrix = podfit::source::parse_query_response(body);
  if (!matrix) FUZZ_CHECK(!matrix.error().message.empty());
  auto series = podfit::source::parse_series_response(body);
  if (!series) FUZZ_CHECK(!series.error().message.empty());
  return 0;
}

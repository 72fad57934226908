// The store's binary formats: raw-sample chunks and hour sketches. The first byte picks
// the decoder; a decoded value re-encodes and decodes to the same points.
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "podfit/core/quantile_sketch.hpp"
#include "store/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::int64_t kHour = 479'002;  // the seed chunks' hour (2024)
  if (data[0] % 2 == 0) {
    std::vector<podfit::SamplePoint> points;
    if (!podfit::store::decode_chunk(kHour, bytes, points)) return 0;
    std::vector<podfit::SamplePoint> again;
    FUZZ_CHECK(podfit::store::decode_chunk(kHour, podfit::store::encode_chunk(kHour, points), again));
    FUZZ_CHECK(again.size() == points.size());
    return 0;
  }
  auto sketch = podfit::QuantileSketch::decode(bytes);
  podfit::QuantileSketch merged;
  auto merge = merged.merge_encoded(bytes);
  // Merging refuses another accuracy by design; otherwise both readers agree.
  bool same_accuracy = sketch && sketch->relative_accuracy() == merged.relative_accuracy();
  if (!sketch || same_accuracy) FUZZ_CHECK(sketch.has_value() == merge.has_value());
  if (!sketch) return 0;
  auto again = podfit::QuantileSketch::decode(sketch->encode());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->count() == sketch->count());
  return 0;
}

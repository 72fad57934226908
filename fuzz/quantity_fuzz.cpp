// Quantity parsing: any text gives a finite value or an error; a parsed value survives
// formatting and parsing again within the formatter's rounding.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "podfit/quantity/quantity.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = podfit::quantity::parse(text);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  double value = parsed->value();
  FUZZ_CHECK(std::isfinite(value));
  if (value < 0 || value > 1e18) return 0;  // callers bound these
  auto again = podfit::quantity::parse(podfit::quantity::format_memory(value));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->value() >= value && again->value() <= std::ceil(value) + 1);
  auto cpu = podfit::quantity::parse(podfit::quantity::format_cpu(value));
  FUZZ_CHECK(cpu.has_value());
  FUZZ_CHECK(cpu->value() >= value - 1e-9 * value);
  return 0;
}

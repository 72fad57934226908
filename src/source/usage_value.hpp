// Usage values ("1234567n", "14336Ki") of recorded metrics, parsed fast.
#pragma once

#include <string_view>

#include "podfit/core/error.hpp"

namespace podfit::source {

// The amount in base units (cores or bytes). The forms metrics-server writes
// (digits with an optional n u m k M G Ki Mi Gi suffix) take a fast path;
// anything else goes through quantity::parse. Negative amounts are an error.
Result<double> parse_usage_value(std::string_view text);

}  // namespace podfit::source

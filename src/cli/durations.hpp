// Duration flags, written the way people write history lengths.
#pragma once

#include <string>

namespace podfit::cli {

// Go durations ("90m", "1h30m", "15s") plus days ("28d", "1.5d"), in seconds; more
// than zero unless `zero_allowed`. Throws a usage Failure naming the flag.
double duration_flag(const std::string& flag, const std::string& text, bool zero_allowed = false);

}  // namespace podfit::cli

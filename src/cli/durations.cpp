#include "cli/durations.hpp"

#include "podfit/core/error.hpp"
#include "podfit/core/time.hpp"
#include "podfit/source/prometheus.hpp"
#include "podfit/source/recorded.hpp"

namespace podfit::cli {

double duration_flag(const std::string& flag, const std::string& text, bool zero_allowed) {
  if (zero_allowed) {
    if (auto seconds = parse_go_duration_seconds(text); seconds && *seconds == 0) return 0;
  }
  auto seconds = source::parse_history_seconds(text);
  if (!seconds) throw Failure(ExitCode::usage, flag + ": " + seconds.error().message);
  return *seconds;
}

}  // namespace podfit::cli

// Time: RFC 3339 timestamps and Go durations as Kubernetes writes them, and the
// one wall clock every module reads (now_ns), which tests may replace.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "podfit/core/error.hpp"

namespace podfit {

inline constexpr std::int64_t kNanosPerHour = 3600LL * 1000 * 1000 * 1000;

// The times a sample, event or --now/--end may carry: 1970-01-01 up to 2200-01-01. With
// spans of at most kMaxSpanSeconds, every sum and difference of such times fits an int64
// of nanoseconds (which ends in 2262), so time arithmetic needs no overflow checks.
inline constexpr std::int64_t kEarliestTimeNs = 0;
inline constexpr std::int64_t kLatestTimeNs = 7'258'118'400LL * 1'000'000'000;
inline constexpr double kMaxSpanSeconds = 50 * 365.25 * 86400;  // durations, windows, --test
inline bool is_supported_time(std::int64_t time_ns) {
  return time_ns >= kEarliestTimeNs && time_ns < kLatestTimeNs;
}

// Parses an RFC 3339 timestamp ("2024-08-23T10:00:00.123456789Z", offsets allowed).
Result<std::int64_t> parse_rfc3339_ns(std::string_view text);
// parse_rfc3339_ns, refusing a time that is not is_supported_time().
Result<std::int64_t> parse_supported_time_ns(std::string_view text);
// "2024-08-23T10:00:00Z", with nanoseconds when there are any.
std::string format_rfc3339(std::int64_t time_ns);
// Parses a Go duration ("15.03s", "1m0s", "500ms", "1h2m3.5s").
Result<double> parse_go_duration_seconds(std::string_view text);

// Unix time now, in nanoseconds and in seconds: the only wall-clock read in podfit.
std::int64_t now_ns();
double now_seconds();

// Replaces the clock (a test's fixed time) for its lifetime. Not thread-safe: set it
// before starting threads.
class ScopedClock {
 public:
  explicit ScopedClock(std::int64_t (*clock)());
  ~ScopedClock();
  ScopedClock(const ScopedClock&) = delete;
  ScopedClock& operator=(const ScopedClock&) = delete;

 private:
  std::int64_t (*previous_)();
};

}  // namespace podfit

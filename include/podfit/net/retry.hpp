// One retry policy for every HTTP client (the API server, Prometheus): connection
// errors, 429 and 5xx are retried with exponential backoff and jitter; a Retry-After
// header replaces the computed delay.
#pragma once

#include <functional>
#include <string>

namespace podfit::net {

struct RetryPolicy {
  int max_attempts = 5;
  double base_delay_seconds = 0.25;
  double max_delay_seconds = 8;
  double max_retry_after_seconds = 60;
  std::function<void(double seconds)> sleep;  // default: really sleep
  std::function<double()> random;             // jitter source in [0, 1); default: a PRNG
  // Seconds until the caller stops waiting (collect --duration); unset: no deadline. A
  // retry whose delay would not end before it is not made.
  std::function<double()> seconds_left;
};

// Whether waiting `delay_seconds` for another attempt ends before `policy`'s deadline.
bool retry_fits(const RetryPolicy& policy, double delay_seconds);

// 429 Too Many Requests and every 5xx; never another 4xx.
bool is_retryable_status(long status);

// `policy` with its defaults filled in (a real sleep, a thread-safe PRNG, at least one
// attempt).
RetryPolicy with_defaults(RetryPolicy policy);

// How long to wait after failed attempt number `attempt` (1 for the first): between half
// and all of base x 2^(attempt-1), at most max_delay; a Retry-After of whole seconds
// replaces it, up to max_retry_after. `policy` must have its defaults.
double retry_delay_seconds(const RetryPolicy& policy, int attempt,
                           const std::string& retry_after = "");

}  // namespace podfit::net

#include "podfit/net/retry.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace podfit::net {

bool is_retryable_status(long status) {
  return status == 429 || status >= 500;
}

RetryPolicy with_defaults(RetryPolicy policy) {
  if (!policy.sleep) {
    policy.sleep = [](double seconds) {
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    };
  }
  if (!policy.random) {
    struct Source {
      std::mutex mutex;
      std::mt19937 engine{std::random_device{}()};
    };
    auto source = std::make_shared<Source>();
    policy.random = [source] {
      std::lock_guard lock(source->mutex);
      return std::uniform_real_distribution<double>(0, 1)(source->engine);
    };
  }
  policy.max_attempts = std::max(policy.max_attempts, 1);
  return policy;
}

double retry_delay_seconds(const RetryPolicy& policy, int attempt, const std::string& retry_after) {
  if (!retry_after.empty()) {
    char* end = nullptr;
    double seconds = std::strtod(retry_after.c_str(), &end);
    if (end && *end == '\0' && seconds >= 0)
      return std::min(seconds, policy.max_retry_after_seconds);
  }
  double delay = policy.base_delay_seconds * std::pow(2.0, attempt - 1);
  delay = std::min(delay, policy.max_delay_seconds);
  return delay * (0.5 + 0.5 * policy.random());  // jitter: between half and all of it
}

bool retry_fits(const RetryPolicy& policy, double delay_seconds) {
  return !policy.seconds_left || delay_seconds < policy.seconds_left();
}

}  // namespace podfit::net

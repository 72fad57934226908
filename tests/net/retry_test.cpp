// The one retry policy: backoff with jitter, Retry-After, which statuses are retried.
#include <catch2/catch.hpp>

#include "podfit/net/http.hpp"
#include "podfit/net/retry.hpp"

using podfit::net::RetryPolicy;

TEST_CASE("retry delays back off exponentially with jitter, Retry-After wins", "[net]") {
  RetryPolicy policy;
  double jitter = 0;
  policy.random = [&] { return jitter; };
  policy = podfit::net::with_defaults(policy);
  // jitter 0: half the delay; jitter just below 1: nearly all of it.
  CHECK(podfit::net::retry_delay_seconds(policy, 1) == Approx(0.125));
  CHECK(podfit::net::retry_delay_seconds(policy, 3) == Approx(0.5));
  jitter = 0.999;
  CHECK(podfit::net::retry_delay_seconds(policy, 3) == Approx(0.9995));
  CHECK(podfit::net::retry_delay_seconds(policy, 10) == Approx(8 * 0.9995));  // capped at 8 s
  CHECK(podfit::net::retry_delay_seconds(policy, 2, "3") == 3);
  CHECK(podfit::net::retry_delay_seconds(policy, 2, "600") == 60);  // capped
  // Not whole seconds (an HTTP date, say): the computed delay.
  CHECK(podfit::net::retry_delay_seconds(policy, 2, "Wed, 21 Oct 2015 07:28:00 GMT") ==
        Approx(0.49975));
  RetryPolicy none;
  none.max_attempts = 0;
  CHECK(podfit::net::with_defaults(none).max_attempts == 1);
  double slept = -1;
  none.sleep = [&](double seconds) { slept = seconds; };
  podfit::net::with_defaults(none).sleep(2);
  CHECK(slept == 2);  // a given sleep is kept
}

TEST_CASE("429 and 5xx are retried, other statuses are not", "[net]") {
  for (long status : {429L, 500L, 502L, 503L, 504L})
    CHECK(podfit::net::is_retryable_status(status));
  for (long status : {200L, 400L, 401L, 403L, 404L, 422L}) {
    CHECK_FALSE(podfit::net::is_retryable_status(status));
  }
}

TEST_CASE("printed URLs never hold a password", "[net][security]") {
  using podfit::net::redact_userinfo;
  CHECK(redact_userinfo("https://admin:s3cret@k8s.example:6443/api") ==
        "https://***@k8s.example:6443/api");
  CHECK(redact_userinfo("http://user@prom:9090") == "http://***@prom:9090");
  CHECK(redact_userinfo("https://k8s.example/api?x=a@b") == "https://k8s.example/api?x=a@b");
  CHECK(redact_userinfo("http://prom:9090/") == "http://prom:9090/");
}

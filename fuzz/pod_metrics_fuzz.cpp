// The metrics API decoder (a PodMetricsList answer): a list or an error naming the URL.
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "podfit/kube/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto pods = podfit::kube::parse_pod_metrics_list(body, "https://127.0.0.1/metrics");
  if (!pods) FUZZ_CHECK(pods.error().message.find("https://127.0.0.1/metrics") != std::string::npos);
  return 0;
}

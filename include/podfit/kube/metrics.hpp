// Reading PodMetrics from the metrics API (metrics.k8s.io/v1beta1).
#pragma once

#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/kube/client.hpp"

namespace podfit::kube {

// Which pods: one namespace, or all of them; optionally a label selector (-l).
struct Scope {
  std::string namespace_name;
  bool all_namespaces = false;
  std::string label_selector;
};

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(const std::string& text);

// "/apis/metrics.k8s.io/v1beta1[/namespaces/NS]/pods[?labelSelector=...]"
std::string pod_metrics_path(const Scope& scope);

// The PodMetricsList body exactly as the server sent it. When the metrics API is
// not served, the error says so plainly (and that metrics-server is missing).
Result<std::string> fetch_pod_metrics(ApiClient& client, const Scope& scope);

struct ContainerUsage {
  std::string name;
  std::string cpu;     // quantity text as served ("12345678n")
  std::string memory;  // ("123456Ki")
};

struct PodUsage {
  std::string namespace_name;
  std::string name;
  std::string timestamp;
  std::vector<ContainerUsage> containers;
};

// Parses a PodMetricsList; `origin` (a URL or file) names it in errors.
Result<std::vector<PodUsage>> parse_pod_metrics_list(const std::string& body,
                                                     const std::string& origin);

}  // namespace podfit::kube

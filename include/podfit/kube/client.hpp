// Requests to the API server (GET, and PATCH for the report) with credentials, retries and
// clear errors.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "podfit/core/error.hpp"
#include "podfit/kube/credentials.hpp"
#include "podfit/kube/kubeconfig.hpp"
#include "podfit/net/http.hpp"
#include "podfit/net/retry.hpp"

namespace podfit::kube {

class ApiClient {
 public:
  ApiClient(ConnectionConfig config, std::unique_ptr<net::HttpTransport> transport,
            net::RetryPolicy retry = {});

  // The libcurl transport configured from the connection's TLS settings.
  static std::unique_ptr<ApiClient> connect(const ConnectionConfig& config,
                                            const net::RequestLimits& timeouts = {},
                                            net::RetryPolicy retry = {});

  // GETs `path` ("/api/v1/pods?limit=500"); returns the body of a 2xx response.
  // Errors read "GET <url>: HTTP 403 Forbidden: ...", naming the permission a
  // 401/403 lacks; they never contain tokens, passwords or keys.
  // Makes no retry that would outlast `seconds_left()` (collect --duration's end).
  void set_deadline(std::function<double()> seconds_left) {
    retry_.seconds_left = std::move(seconds_left);
  }

  Result<std::string> get(const std::string& path);

  // PATCHes `path` with `body` sent as `content_type` ("application/merge-patch+json");
  // returns the body of a 2xx response. Retried like get() (a merge patch is idempotent);
  // errors read "PATCH <url>: HTTP 403 Forbidden: ...; podfit needs RBAC permission to
  // patch configmaps ..." and never contain the body or credentials.
  Result<std::string> patch(const std::string& path, const std::string& body,
                            const std::string& content_type);

  std::string url(const std::string& path) const { return config_.cluster.server + path; }
  const ConnectionConfig& config() const { return config_; }
  int requests_sent() const { return requests_sent_; }
  // The HTTP status of the last response (0 when the last attempt got none).
  long last_status() const { return last_status_; }

 private:
  Result<std::string> send(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type);
  std::string describe_failure(const std::string& method, const std::string& path, long status,
                               const std::string& body, int attempts) const;

  ConnectionConfig config_;
  std::unique_ptr<net::HttpTransport> transport_;
  net::RetryPolicy retry_;
  CredentialProvider credentials_;
  int requests_sent_ = 0;
  long last_status_ = 0;
};

// "list pods in API group \"metrics.k8s.io\" in namespace \"shop\"" for a request path;
// `verb` replaces the get/list a GET implies ("patch").
std::string permission_for_path(const std::string& path, const std::string& verb = "");

}  // namespace podfit::kube

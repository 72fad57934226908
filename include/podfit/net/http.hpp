// One HTTP request at a time (GET, POST or PATCH), behind an interface so tests can replace
// the network.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace podfit::net {

// A client certificate and key (PEM) presented in the TLS handshake.
struct ClientIdentity {
  std::string certificate_pem;
  std::string key_pem;
  bool empty() const { return certificate_pem.empty(); }
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; may hold secrets, never logged
  ClientIdentity identity;
  std::string post_body;  // when not empty: POST this body (set Content-Type in headers)
  std::string method;     // "PATCH" sends post_body with that method; empty: GET or POST
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, when sent
};

// A request that produced no HTTP response (refused, reset, timed out, TLS failure).
struct TransportError {
  std::string message;     // says what failed; never holds credentials
  bool retryable = false;  // connection problems are; certificate problems are not
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual tl::expected<HttpResponse, TransportError> get(const HttpRequest& request) = 0;
};

struct TlsOptions {
  std::string ca_file;
  std::string ca_pem;
  bool insecure_skip_verify = false;
  std::string server_name;  // verify the certificate for this name instead of the URL's host
};

// The size of an answer podfit accepts, after decompression: $PODFIT_MAX_ANSWER_MIB
// MiB when that is a positive integer, else 512 MiB (a PodMetricsList of 100,000 pods is
// ~60 MiB).
std::size_t max_answer_bytes_from_environment();

// What one request may cost: time, and the size of its answer.
struct RequestLimits {
  long connect_ms = 10'000;
  long request_ms = 60'000;  // the whole request, body included
  std::size_t max_body_bytes = max_answer_bytes_from_environment();
};

// `url` with any user:password@ replaced by "***@": what messages may print.
std::string redact_userinfo(const std::string& url);

// `text` (an answer's body quoted in a message) with every credential `headers` sent —
// the Authorization header's token, or its Basic user:password, password and encoding —
// replaced by "***": some servers and proxies echo what they were sent.
std::string mask_credentials(std::string text, const std::vector<std::string>& headers);

// The libcurl transport. Keeps connections alive between requests.
std::unique_ptr<HttpTransport> make_curl_transport(const TlsOptions& tls, const RequestLimits& limits);

}  // namespace podfit::net

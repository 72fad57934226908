// PrometheusApi over the kube module's HTTP transport (libcurl stays in src/kube).
#include <cmath>

#include "podfit/net/base64.hpp"
#include "podfit/net/http.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::source {

namespace {

class HttpPrometheusApi : public PrometheusApi {
 public:
  HttpPrometheusApi(const PrometheusConnection& connection,
                    std::unique_ptr<net::HttpTransport> transport)
      : connection_(connection), transport_(std::move(transport)) {
    while (!connection_.url.empty() && connection_.url.back() == '/') connection_.url.pop_back();
    if (!connection_.bearer_token.empty()) {
      headers_.push_back("Authorization: Bearer " + connection_.bearer_token);
    }
    if (!connection_.basic_auth.empty()) {
      headers_.push_back("Authorization: Basic " + net::base64_encode(connection_.basic_auth));
    }
    for (const auto& header : connection_.headers) headers_.push_back(header);
    // Overrides the gzip libcurl would offer; a later user header still wins.
    if (!connection_.gzip) headers_.insert(headers_.begin(), "Accept-Encoding: identity");
  }

  Result<PrometheusReply> post_form(const std::string& path, const std::string& form) override {
    net::HttpRequest request;
    request.url = connection_.url + path;
    request.headers = headers_;
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    request.post_body = form;
    auto response = transport_->get(request);
    if (!response) return fail(base_url() + path + ": " + response.error().message);
    if (response->status >= 200 && response->status < 300)
      return PrometheusReply{response->status, std::move(response->body)};
    // An error answer is only ever quoted in a message: never with what we sent in it.
    return PrometheusReply{response->status, net::mask_credentials(response->body, headers_)};
  }

  std::string base_url() const override { return net::redact_userinfo(connection_.url); }

 private:
  PrometheusConnection connection_;
  std::unique_ptr<net::HttpTransport> transport_;
  std::vector<std::string> headers_;
};

}  // namespace

PrometheusApiFactory make_prometheus_http_api(const PrometheusConnection& connection) {
  return [connection]() -> std::unique_ptr<PrometheusApi> {
    net::TlsOptions tls;
    tls.ca_file = connection.ca_file;
    tls.insecure_skip_verify = connection.insecure_skip_verify;
    net::RequestLimits timeouts;
    timeouts.request_ms = std::lround(connection.timeout_seconds * 1000);
    return std::make_unique<HttpPrometheusApi>(connection, net::make_curl_transport(tls, timeouts));
  };
}

}  // namespace podfit::source

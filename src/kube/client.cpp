#include "podfit/kube/client.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "podfit/core/version.hpp"

namespace podfit::kube {

namespace {

const char* reason_phrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// The `message` of a metav1.Status body, when the body is one.
std::string status_message(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status")
    return parsed.value("message", "");
  return "";
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string clean = path.substr(0, path.find('?'));
  std::stringstream stream(clean);
  std::string part;
  while (std::getline(stream, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace

std::string permission_for_path(const std::string& path, const std::string& verb_override) {
  std::vector<std::string> parts = split_path(path);
  std::string group;
  std::size_t at = 0;
  if (!parts.empty() && parts[0] == "api") {
    at = 2;
  } else if (!parts.empty() && parts[0] == "apis" && parts.size() >= 3) {
    group = parts[1];
    at = 3;
  } else {
    return "get " + path;
  }
  std::string namespace_name;
  if (at + 2 < parts.size() && parts[at] == "namespaces") {
    namespace_name = parts[at + 1];
    at += 2;
  }
  if (at >= parts.size()) return "get " + path;
  std::string resource = parts[at];
  std::string verb = at + 1 < parts.size() ? "get" : "list";
  if (!verb_override.empty()) verb = verb_override;
  std::string text = verb + " " + resource + " in API group \"" + group + "\"";
  text += namespace_name.empty() ? " at cluster scope" : " in namespace \"" + namespace_name + "\"";
  return text;
}

ApiClient::ApiClient(ConnectionConfig config, std::unique_ptr<net::HttpTransport> transport,
                     net::RetryPolicy retry)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      retry_(net::with_defaults(std::move(retry))),
      credentials_(config_.user, config_.cluster) {}

std::unique_ptr<ApiClient> ApiClient::connect(const ConnectionConfig& config,
                                              const net::RequestLimits& timeouts,
                                              net::RetryPolicy retry) {
  net::TlsOptions tls;
  tls.ca_file = config.cluster.ca_file;
  tls.ca_pem = config.cluster.ca_pem;
  tls.insecure_skip_verify = config.cluster.insecure_skip_tls_verify;
  tls.server_name = config.cluster.tls_server_name;
  return std::make_unique<ApiClient>(config, net::make_curl_transport(tls, timeouts),
                                     std::move(retry));
}

std::string ApiClient::describe_failure(const std::string& method, const std::string& path,
                                        long status, const std::string& body, int attempts) const {
  std::string text =
      method + " " + net::redact_userinfo(url(path)) + ": HTTP " + std::to_string(status);
  if (*reason_phrase(status)) text += std::string(" ") + reason_phrase(status);
  std::string message = status_message(body);
  if (status == 401) {
    return text + ": the cluster rejected the credentials of user \"" + config_.user_name + "\" (" +
           config_.origin + "); they are missing, wrong or expired: log in again";
  }
  if (!message.empty()) text += ": " + message;
  if (status == 403) {
    std::string verb;  // a GET is a get or a list; other methods name their verb
    if (method != "GET") {
      for (char c : method) verb += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    text += "; podfit needs RBAC permission to " + permission_for_path(path, verb);
  }
  if (attempts > 1) text += " (after " + std::to_string(attempts) + " attempts)";
  return text;
}

Result<std::string> ApiClient::get(const std::string& path) {
  return send("GET", path, "", "");
}

Result<std::string> ApiClient::patch(const std::string& path, const std::string& body,
                                     const std::string& content_type) {
  return send("PATCH", path, body, content_type);
}

Result<std::string> ApiClient::send(const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& content_type) {
  bool refreshed_credentials = false;
  for (int attempt = 1;; ++attempt) {
    PODFIT_TRY_ASSIGN(credentials, credentials_.current());
    net::HttpRequest request;
    request.url = url(path);
    request.headers = {"Accept: application/json", std::string("User-Agent: podfit/") + kVersion};
    if (!credentials.authorization.empty())
      request.headers.push_back("Authorization: " + credentials.authorization);
    request.identity = credentials.identity;
    if (method != "GET") {
      request.method = method;
      request.post_body = body;
      request.headers.push_back("Content-Type: " + content_type);
    }
    ++requests_sent_;
    auto response = transport_->get(request);
    last_status_ = response ? response->status : 0;
    bool last = attempt >= retry_.max_attempts;
    double delay = 0;
    if (!response) {
      delay = net::retry_delay_seconds(retry_, attempt);
      if (!response.error().retryable || last || !net::retry_fits(retry_, delay)) {
        std::string text =
            method + " " + net::redact_userinfo(request.url) + ": " + response.error().message;
        if (attempt > 1) text += " (after " + std::to_string(attempt) + " attempts)";
        return fail(text);
      }
      retry_.sleep(delay);
      continue;
    }
    long status = response->status;
    if (status >= 200 && status < 300) return std::move(response->body);
    if (status == 401 && !refreshed_credentials && credentials_.forget_after_unauthorized()) {
      refreshed_credentials = true;  // e.g. an exec plugin's token expired early: ask it again
      --attempt;
      continue;
    }
    delay = net::retry_delay_seconds(retry_, attempt, response->retry_after);
    if (!net::is_retryable_status(status) || last || !net::retry_fits(retry_, delay))
      return fail(describe_failure(method, path, status,
                                   net::mask_credentials(response->body, request.headers),
                                   attempt));
    retry_.sleep(delay);
  }
}

}  // namespace podfit::kube

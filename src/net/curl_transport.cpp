// HttpTransport over libcurl. The only file that includes curl.
#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <string_view>

#include "podfit/net/http.hpp"

namespace podfit::net {

namespace {

struct BodySink {
  std::string* body;
  std::size_t max_bytes;
  bool too_large = false;
};

// Returning less than given makes curl stop with CURLE_WRITE_ERROR.
std::size_t append_body(char* data, std::size_t size, std::size_t count, void* target) {
  auto* sink = static_cast<BodySink*>(target);
  if (sink->body->size() + size * count > sink->max_bytes) {
    sink->too_large = true;
    return 0;
  }
  sink->body->append(data, size * count);
  return size * count;
}

std::string mebibytes(std::size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

std::size_t capture_retry_after(char* data, std::size_t size, std::size_t count, void* target) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    if (match) {
      std::string value(line.substr(kName.size()));
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.pop_back();
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.erase(value.begin());
      *static_cast<std::string*>(target) = value;
    }
  }
  return size * count;
}

bool is_retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

std::string describe(CURLcode code, const char* detail) {
  std::string text = curl_easy_strerror(code);
  if (detail && *detail) text += std::string(": ") + detail;
  if (code == CURLE_PEER_FAILED_VERIFICATION)
    text += " (the server's certificate is not trusted: check certificate-authority)";
  return text;
}

// Splits "https://host:port/rest" into host, port and the rest.
struct UrlParts {
  std::string scheme, host, port, rest;
};

UrlParts split_url(const std::string& url) {
  UrlParts parts;
  std::size_t scheme_end = url.find("://");
  parts.scheme = url.substr(0, scheme_end);
  std::size_t host_start = scheme_end + 3;
  std::size_t path_start = url.find('/', host_start);
  if (path_start == std::string::npos) path_start = url.size();
  std::string authority = url.substr(host_start, path_start - host_start);
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    parts.host = authority.substr(0, colon);
    parts.port = authority.substr(colon + 1);
  } else {
    parts.host = authority;
    parts.port = parts.scheme == "https" ? "443" : "80";
  }
  parts.rest = url.substr(path_start);
  return parts;
}

class CurlTransport : public HttpTransport {
 public:
  CurlTransport(TlsOptions tls, RequestLimits limits) : tls_(std::move(tls)), timeouts_(limits) {
    static std::once_flag global_init;
    std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    handle_ = curl_easy_init();
  }
  ~CurlTransport() override { curl_easy_cleanup(handle_); }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  tl::expected<HttpResponse, TransportError> get(const HttpRequest& request) override {
    if (!handle_) return tl::unexpected(TransportError{"cannot initialise libcurl", false});
    CURL* curl = handle_;
    curl_easy_reset(curl);
    HttpResponse response;
    char error_buffer[CURL_ERROR_SIZE] = "";
    std::string url = request.url;
    curl_slist* connect_to = nullptr;
    if (!tls_.server_name.empty()) {
      // Verify (and send SNI for) the configured name while connecting to the real host.
      UrlParts parts = split_url(url);
      url = parts.scheme + "://" + tls_.server_name + ":" + parts.port + parts.rest;
      std::string mapping =
          tls_.server_name + ":" + parts.port + ":" + parts.host + ":" + parts.port;
      connect_to = curl_slist_append(nullptr, mapping.c_str());
      curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeouts_.connect_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeouts_.request_ms);
    // Only gzip: every decoder curl offers with "" is more code exposed to the server.
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
    BodySink sink{&response.body, timeouts_.max_body_bytes};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, capture_retry_after);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.retry_after);
    configure_tls(curl, request.identity);
    curl_slist* headers = nullptr;
    for (const std::string& header : request.headers)
      headers = curl_slist_append(headers, header.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (!request.post_body.empty() || !request.method.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.post_body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.post_body.data());
    }
    if (!request.method.empty())
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    if (sink.too_large) {
      return tl::unexpected(TransportError{
          "the answer is larger than " + mebibytes(sink.max_bytes) +
              " once decompressed (set PODFIT_MAX_ANSWER_MIB to allow more)",
          false});
    }
    if (code != CURLE_OK) {
      return tl::unexpected(TransportError{describe(code, error_buffer), is_retryable(code)});
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  void configure_tls(CURL* curl, const ClientIdentity& identity) {
    if (tls_.insecure_skip_verify) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (!tls_.ca_pem.empty()) {
      curl_blob blob{const_cast<char*>(tls_.ca_pem.data()), tls_.ca_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    } else if (!tls_.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, tls_.ca_file.c_str());
    }
    if (!identity.empty()) {
      curl_blob cert{const_cast<char*>(identity.certificate_pem.data()),
                     identity.certificate_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(identity.key_pem.data()), identity.key_pem.size(),
                    CURL_BLOB_COPY};
      curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
  }

  TlsOptions tls_;
  RequestLimits timeouts_;
  CURL* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const TlsOptions& tls,
                                                   const RequestLimits& limits) {
  return std::make_unique<CurlTransport>(tls, limits);
}


}  // namespace podfit::net

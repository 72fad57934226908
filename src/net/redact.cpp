// What messages may print of URLs, answers and limits taken from the environment.
#include <cctype>
#include <cstdlib>
#include <string_view>

#include "podfit/net/base64.hpp"
#include "podfit/net/http.hpp"

namespace podfit::net {

namespace {

void replace_all(std::string& text, const std::string& secret) {
  if (secret.size() < 4) return;  // "***" for "a" would garble every message
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

}  // namespace

std::size_t max_answer_bytes_from_environment() {
  constexpr std::size_t kDefault = std::size_t{512} << 20;
  const char* value = std::getenv("PODFIT_MAX_ANSWER_MIB");
  if (value == nullptr || *value == '\0') return kDefault;
  char* end = nullptr;
  unsigned long long mib = std::strtoull(value, &end, 10);
  if (*end != '\0' || mib == 0 || mib > (1ULL << 24)) return kDefault;
  return static_cast<std::size_t>(mib) << 20;
}

std::string redact_userinfo(const std::string& url) {
  std::size_t scheme = url.find("://");
  std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

std::string mask_credentials(std::string text, const std::vector<std::string>& headers) {
  constexpr std::string_view kName = "authorization:";
  for (const std::string& header : headers) {
    if (header.size() <= kName.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(header[i])) == kName[i];
    if (!match) continue;
    std::string value = header.substr(kName.size());
    value.erase(0, value.find_first_not_of(' '));
    std::size_t space = value.find(' ');
    std::string credential = space == std::string::npos ? value : value.substr(space + 1);
    replace_all(text, credential);
    if (value.rfind("Basic ", 0) == 0) {
      if (auto decoded = base64_decode(credential)) {
        replace_all(text, *decoded);
        std::size_t colon = decoded->find(':');
        if (colon != std::string::npos) replace_all(text, decoded->substr(colon + 1));
      }
    }
  }
  return text;
}

}  // namespace podfit::net

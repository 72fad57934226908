// Standard base64 (RFC 4648), for kubeconfig *-data fields and basic auth.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace podfit::net {

std::string base64_encode(std::string_view bytes);
// nullopt on a character outside the alphabet; whitespace is ignored.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace podfit::net

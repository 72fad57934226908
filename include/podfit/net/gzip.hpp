// gzip (RFC 1952) through zlib, for report files too big for a ConfigMap as text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "podfit/core/error.hpp"

namespace podfit::net {

std::string gzip_compress(std::string_view bytes);
// Refuses input that is not gzip, is cut short, or inflates beyond `max_bytes`.
Result<std::string> gzip_decompress(std::string_view bytes, std::size_t max_bytes);

}  // namespace podfit::net

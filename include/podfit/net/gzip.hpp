// gzip (RFC 1952) and CRC-32 through zlib: report files too big for a ConfigMap as text,
// and the store's checksums.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "podfit/core/error.hpp"

namespace podfit::net {

std::string gzip_compress(std::string_view bytes);
// Refuses input that is not gzip, is cut short, or inflates beyond `max_bytes`.
Result<std::string> gzip_decompress(std::string_view bytes, std::size_t max_bytes);

// zlib's CRC-32 of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace podfit::net

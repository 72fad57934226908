#include "podfit/net/gzip.hpp"

#include <zlib.h>

#include <algorithm>

namespace podfit::net {

namespace {

constexpr int kGzipWindowBits = 15 + 16;  // zlib's way of asking for a gzip header

struct Deflater {
  z_stream stream{};
  ~Deflater() { deflateEnd(&stream); }
};

struct Inflater {
  z_stream stream{};
  ~Inflater() { inflateEnd(&stream); }
};

Bytef* input(std::string_view bytes) {
  return reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));  // zlib does not write it
}

}  // namespace

std::string gzip_compress(std::string_view bytes) {
  Deflater deflater;
  z_stream& stream = deflater.stream;
  // Only an out-of-memory can fail here, and then so would the string below.
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
  stream.next_in = input(bytes);
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);  // deflateBound guarantees room for all of it
  out.resize(stream.total_out);
  return out;
}

Result<std::string> gzip_decompress(std::string_view bytes, std::size_t max_bytes) {
  Inflater inflater;
  z_stream& stream = inflater.stream;
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) return fail("gzip: cannot start zlib");
  stream.next_in = input(bytes);
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buffer[64 * 1024];
  for (;;) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    int status = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (out.size() > max_bytes) {
      return fail("gzip: inflates to more than " + std::to_string(max_bytes) + " bytes");
    }
    if (status == Z_STREAM_END) break;
    // No more input, and room left for output: the stream ended early.
    bool starved = stream.avail_in == 0 && stream.avail_out != 0;
    if (status == Z_BUF_ERROR || (status == Z_OK && starved)) return fail("gzip: data cut short");
    if (status != Z_OK) {
      return fail(std::string("gzip: ") + (stream.msg != nullptr ? stream.msg : "not gzip data"));
    }
  }
  if (stream.avail_in != 0) return fail("gzip: trailing bytes after the data");
  return out;
}

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  uLong value = crc;
  // zlib takes a uInt length: feed it in pieces a uInt can hold.
  while (!bytes.empty()) {
    std::size_t piece = std::min<std::size_t>(bytes.size(), 1u << 30);
    value = ::crc32(value, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(piece));
    bytes.remove_prefix(piece);
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace podfit::net

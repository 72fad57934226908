// Little-endian building blocks of podfit's compact binary formats (the store's
// raw chunks and the quantile sketches, docs/store.md): LEB128 varints, zig-zag
// signed integers, float64, and a bounds-checked reader over a byte string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace podfit::coding {

inline void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

inline void put_double(std::string& out, double value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

inline std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

inline std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

// Every read returns false (and leaves the position undefined) when the bytes run out.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  bool varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= bytes_.size()) return false;
      auto byte = static_cast<std::uint8_t>(bytes_[at_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool byte(std::uint8_t& value) {
    if (at_ >= bytes_.size()) return false;
    value = static_cast<std::uint8_t>(bytes_[at_++]);
    return true;
  }
  bool raw(void* target, std::size_t size) {
    if (bytes_.size() - at_ < size) return false;
    std::memcpy(target, bytes_.data() + at_, size);
    at_ += size;
    return true;
  }
  bool real(double& value) { return raw(&value, sizeof value); }

  bool fits(std::uint64_t size) const { return bytes_.size() - at_ >= size; }
  std::uint8_t unchecked_byte() {
    return static_cast<std::uint8_t>(bytes_[at_++]);
  }  // after fits()
  const std::uint8_t* position() const {
    return reinterpret_cast<const std::uint8_t*>(bytes_.data() + at_);
  }
  void skip(std::size_t size) { at_ += size; }  // after fits()
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

}  // namespace podfit::coding

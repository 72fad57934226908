// Chunk format (docs/store.md): a version byte, the point count, then three
// columns: time (ns since the hour's start), CPU, memory. A column of integers
// (times; nanocores and bytes when every value is exact) is divided by the
// greatest common divisor of its values and bit-packed as whichever of plain
// offsets from the minimum, deltas, or deltas of deltas is smallest; a column
// with any value that is not exact is stored as raw float64.
#include "store/chunk.hpp"

#include "podfit/core/byte_coding.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <numeric>

namespace podfit::store {

namespace {

constexpr std::uint8_t kChunkVersion = 1;
constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53
constexpr std::int64_t kNanosPerHourLocal = 3600LL * 1000 * 1000 * 1000;

enum Layout : std::uint8_t { kOffsets = 0, kDeltas = 1, kDeltasOfDeltas = 2, kDoubles = 3 };

using coding::put_varint;
using coding::unzigzag;
using coding::zigzag;

int bit_width(std::uint64_t value) {
  return value == 0 ? 0 : 64 - __builtin_clzll(value);
}

std::size_t varint_bits(std::uint64_t value) {
  return static_cast<std::size_t>(std::max(1, (bit_width(value) + 6) / 7)) * 8;
}

// Values of at most 56 bits (the column bounds guarantee it), least significant first.
class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}
  void put(std::uint64_t value, int width) {
    if (width == 0) return;
    bits_ |= value << used_;
    used_ += width;
    while (used_ >= 8) {
      out_.push_back(static_cast<char>(bits_ & 0xff));
      bits_ >>= 8;
      used_ -= 8;
    }
  }
  void flush() {
    if (used_ > 0) out_.push_back(static_cast<char>(bits_ & 0xff));
    bits_ = 0;
    used_ = 0;
  }

 private:
  std::string& out_;
  std::uint64_t bits_ = 0;
  int used_ = 0;
};

using Reader = coding::ByteReader;

// `count` values of `width` bits, least significant first; false when the bytes run out.
bool get_bits(Reader& in, std::size_t count, int width, std::vector<std::uint64_t>& out) {
  std::size_t need = (count * static_cast<std::size_t>(width) + 7) / 8;
  if (!in.fits(need)) return false;
  const std::uint8_t* data = in.position();
  std::uint64_t mask = width == 64 ? ~0ULL : (1ULL << width) - 1;
  std::uint64_t held = 0;
  int have = 0;
  std::size_t next = 0;
  for (std::size_t i = 0; i < count; ++i) {
    while (have < width) {
      held |= static_cast<std::uint64_t>(data[next++]) << have;
      have += 8;
    }
    out.push_back(held & mask);
    held = width == 64 ? 0 : held >> width;
    have -= width;
  }
  in.skip(need);
  return true;
}

// The packed size in bits of `values` under each layout (the first values go as varints).
std::size_t packed_bits(const std::vector<std::int64_t>& values, Layout layout) {
  std::uint64_t widest = 0;
  std::size_t head = 0;
  if (layout == kOffsets) {
    std::int64_t low = *std::min_element(values.begin(), values.end());
    for (std::int64_t v : values) widest |= static_cast<std::uint64_t>(v - low);
    return varint_bits(zigzag(low)) + values.size() * bit_width(widest);
  }
  std::int64_t previous_delta = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    std::int64_t delta = values[i] - values[i - 1];
    if (layout == kDeltas || i >= 2) {
      widest |= zigzag(layout == kDeltas ? delta : delta - previous_delta);
    }
    previous_delta = delta;
  }
  head = varint_bits(zigzag(values[0]));
  std::size_t packed = values.size() - (layout == kDeltas ? 1 : 2);
  if (layout == kDeltasOfDeltas) {
    head += varint_bits(zigzag(values[1] - values[0]));
  }
  return head + packed * bit_width(widest);
}

void put_integers(std::string& out, std::vector<std::int64_t> values) {
  std::uint64_t divisor = 0;
  for (std::int64_t v : values)
    divisor = std::gcd(divisor, static_cast<std::uint64_t>(std::abs(v)));
  if (divisor == 0) divisor = 1;
  for (std::int64_t& v : values) v /= static_cast<std::int64_t>(divisor);
  Layout best = kOffsets;
  std::size_t best_bits = packed_bits(values, kOffsets);
  for (Layout layout : {kDeltas, kDeltasOfDeltas}) {
    if (values.size() < (layout == kDeltas ? 2u : 3u)) continue;
    std::size_t bits = packed_bits(values, layout);
    if (bits < best_bits) best = layout, best_bits = bits;
  }
  out.push_back(static_cast<char>(best));
  put_varint(out, divisor);
  std::vector<std::uint64_t> packed;
  if (best == kOffsets) {
    std::int64_t low = *std::min_element(values.begin(), values.end());
    put_varint(out, zigzag(low));
    for (std::int64_t v : values) packed.push_back(static_cast<std::uint64_t>(v - low));
  } else {
    put_varint(out, zigzag(values[0]));
    if (best == kDeltasOfDeltas) put_varint(out, zigzag(values[1] - values[0]));
    for (std::size_t i = best == kDeltas ? 1 : 2; i < values.size(); ++i) {
      std::int64_t delta = values[i] - values[i - 1];
      packed.push_back(zigzag(best == kDeltas ? delta : delta - (values[i - 1] - values[i - 2])));
    }
  }
  std::uint64_t widest = 0;
  for (std::uint64_t v : packed) widest |= v;
  int width = bit_width(widest);
  out.push_back(static_cast<char>(width));
  BitWriter writer(out);
  for (std::uint64_t v : packed) writer.put(v, width);
  writer.flush();
}

bool get_integers(Reader& in, std::size_t count, std::uint8_t layout,
                  std::vector<std::int64_t>& values) {
  std::uint64_t divisor = 0, first = 0, second = 0;
  std::uint8_t width = 0;
  if (layout > kDeltasOfDeltas || !in.varint(divisor) || divisor == 0 || !in.varint(first)) {
    return false;
  }
  if (layout == kDeltasOfDeltas && !in.varint(second)) return false;
  if (!in.byte(width) || width > 57) return false;  // the encoder never needs more
  std::size_t skipped = layout == kOffsets ? 0 : layout == kDeltas ? 1 : 2;
  if (count < skipped) return false;
  std::vector<std::uint64_t> packed;
  packed.reserve(count);
  if (!get_bits(in, count - skipped, width, packed)) return false;
  values.clear();
  values.reserve(count);
  // Damaged bytes can make any sum overflow: each step is checked, and an overflow is
  // a malformed chunk (values the encoder wrote never come near the int64 range).
  auto add = [](std::int64_t a, std::int64_t b, std::int64_t& sum) {
    return !__builtin_add_overflow(a, b, &sum);
  };
  std::int64_t value = 0;
  if (layout == kOffsets) {
    for (std::uint64_t v : packed) {
      if (v > static_cast<std::uint64_t>(INT64_MAX) || !add(unzigzag(first), static_cast<std::int64_t>(v), value))
        return false;
      values.push_back(value);
    }
  } else {
    values.push_back(unzigzag(first));
    std::int64_t delta = unzigzag(second);
    if (layout == kDeltasOfDeltas) {
      if (!add(values[0], delta, value)) return false;
      values.push_back(value);
    }
    for (std::uint64_t v : packed) {
      if (layout == kDeltas) {
        delta = unzigzag(v);
      } else if (!add(delta, unzigzag(v), delta)) {
        return false;
      }
      if (!add(values.back(), delta, value)) return false;
      values.push_back(value);
    }
  }
  if (divisor > static_cast<std::uint64_t>(INT64_MAX)) return false;
  auto scale = static_cast<std::int64_t>(divisor);
  for (std::int64_t& v : values) {
    if (__builtin_mul_overflow(v, scale, &v)) return false;
  }
  return true;
}

bool exact_nanocores(double cores, std::int64_t& nanos) {
  double scaled = std::round(cores * 1e9);
  if (!(std::abs(scaled) < kExactIntegerLimit) || scaled / 1e9 != cores) return false;
  nanos = static_cast<std::int64_t>(scaled);
  return true;
}

bool exact_bytes(double bytes, std::int64_t& whole) {
  if (!(std::abs(bytes) < kExactIntegerLimit) || std::floor(bytes) != bytes) return false;
  whole = static_cast<std::int64_t>(bytes);
  return true;
}

// CPU (nanocores) or memory (bytes): integers when every value is exact, else float64.
template <bool kCpu>
void put_values(std::string& out, const std::vector<SamplePoint>& points) {
  std::vector<std::int64_t> integers;
  integers.reserve(points.size());
  for (const SamplePoint& point : points) {
    std::int64_t whole = 0;
    bool exact =
        kCpu ? exact_nanocores(point.cpu_cores, whole) : exact_bytes(point.memory_bytes, whole);
    if (!exact) {
      out.push_back(static_cast<char>(kDoubles));
      for (const SamplePoint& p : points) {
        double value = kCpu ? p.cpu_cores : p.memory_bytes;
        char bytes[sizeof value];
        std::memcpy(bytes, &value, sizeof value);
        out.append(bytes, sizeof value);
      }
      return;
    }
    integers.push_back(whole);
  }
  put_integers(out, std::move(integers));
}

template <bool kCpu>
bool get_values(Reader& in, std::vector<SamplePoint>& points, std::size_t first) {
  std::size_t count = points.size() - first;
  std::uint8_t layout = 0;
  if (!in.byte(layout)) return false;
  if (layout == kDoubles) {
    for (std::size_t i = first; i < points.size(); ++i) {
      double value = 0;
      if (!in.raw(&value, sizeof value)) return false;
      (kCpu ? points[i].cpu_cores : points[i].memory_bytes) = value;
    }
    return true;
  }
  std::vector<std::int64_t> values;
  if (!get_integers(in, count, layout, values)) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (kCpu) {
      points[first + i].cpu_cores = static_cast<double>(values[i]) / 1e9;
    } else {
      points[first + i].memory_bytes = static_cast<double>(values[i]);
    }
  }
  return true;
}

}  // namespace

std::string encode_chunk(std::int64_t hour, const std::vector<SamplePoint>& points) {
  std::string out;
  out.push_back(static_cast<char>(kChunkVersion));
  put_varint(out, points.size());
  if (points.empty()) return out;
  std::vector<std::int64_t> times;
  times.reserve(points.size());
  for (const SamplePoint& point : points)
    times.push_back(point.time_ns - hour * kNanosPerHourLocal);
  put_integers(out, std::move(times));
  put_values<true>(out, points);
  put_values<false>(out, points);
  return out;
}

Result<void> decode_chunk(std::int64_t hour, std::string_view bytes,
                          std::vector<SamplePoint>& out) {
  Reader in(bytes);
  std::uint8_t version = 0;
  std::uint64_t count = 0;
  if (!in.byte(version) || version != kChunkVersion) return fail("raw chunk: unknown version");
  if (!in.varint(count) || count > (1u << 26)) return fail("raw chunk: bad point count");
  if (count == 0) {
    if (!in.done()) return fail("raw chunk: trailing bytes");
    return {};
  }
  std::size_t first = out.size();
  std::vector<std::int64_t> times;
  std::uint8_t layout = 0;
  if (!in.byte(layout) || !get_integers(in, count, layout, times)) {
    out.resize(first);
    return fail("raw chunk: truncated times");
  }
  std::int64_t base = 0;
  if (__builtin_mul_overflow(hour, kNanosPerHourLocal, &base)) {
    out.resize(first);
    return fail("raw chunk: hour " + std::to_string(hour) + " is out of range");
  }
  for (std::int64_t offset : times) {
    if (offset < 0 || offset >= kNanosPerHourLocal) {  // the encoder writes its hour's times only
      out.resize(first);
      return fail("raw chunk: a time outside its hour");
    }
    out.push_back(SamplePoint{base + offset, 0, 0});
  }
  if (!get_values<true>(in, out, first) || !get_values<false>(in, out, first) || !in.done()) {
    out.resize(first);
    return fail("raw chunk: truncated or trailing values");
  }
  return {};
}

std::size_t merge_points(std::vector<SamplePoint>& points, std::vector<SamplePoint> more) {
  std::size_t before = points.size();
  // Stable: of repeated times, the earlier-stored (or earlier-offered) one comes first.
  points.insert(points.end(), more.begin(), more.end());
  std::stable_sort(points.begin(), points.end(), [](const SamplePoint& a, const SamplePoint& b) {
    return a.time_ns < b.time_ns;
  });
  auto end = std::unique(
      points.begin(), points.end(),
      [](const SamplePoint& a, const SamplePoint& b) { return a.time_ns == b.time_ns; });
  points.erase(end, points.end());
  return points.size() - before;
}

}  // namespace podfit::store

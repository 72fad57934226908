#include "podfit/stats/sketch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace podfit::stats {

namespace {

// Below this a value counts as zero (a nanocore or a byte is far above it).
constexpr double kZeroThreshold = 1e-12;
constexpr std::uint8_t kFormatVersion = 1;

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

void put_double(std::string& out, double value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  bool varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= bytes_.size()) return false;
      auto byte = static_cast<std::uint8_t>(bytes_[position_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool real(double& value) {
    if (bytes_.size() - position_ < sizeof value) return false;
    std::memcpy(&value, bytes_.data() + position_, sizeof value);
    position_ += sizeof value;
    return true;
  }
  bool done() const { return position_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  std::size_t position_ = 0;
};

}  // namespace

QuantileSketch::QuantileSketch(double relative_accuracy)
    : accuracy_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)) {}

int QuantileSketch::bucket_of(double value) const {
  return static_cast<int>(std::ceil(std::log(value) / log_gamma_));
}

// The point of bucket (gamma^(i-1), gamma^i] whose relative distance to both ends is `a`.
double QuantileSketch::value_of(int bucket) const {
  return 2 * std::pow(gamma_, bucket) / (gamma_ + 1);
}

void QuantileSketch::add(double value, std::uint64_t count) {
  if (count == 0 || std::isnan(value)) return;
  if (value <= kZeroThreshold) {
    zero_count_ += count;
    value = std::max(value, 0.0);
  } else {
    buckets_[bucket_of(value)] += count;
  }
  max_ = count_ == 0 ? value : std::max(max_, value);
  count_ += count;
  sum_ += value * static_cast<double>(count);
}

Result<void> QuantileSketch::merge(const QuantileSketch& other) {
  if (other.accuracy_ != accuracy_) {
    return fail("cannot merge quantile sketches of different accuracy");
  }
  if (other.count_ == 0) return {};
  for (const auto& [bucket, count] : other.buckets_) buckets_[bucket] += count;
  zero_count_ += other.zero_count_;
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
  return {};
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::floor(q / 100 * static_cast<double>(count_ - 1)));
  if (rank + 1 == count_) return max_;  // the top rank is known exactly
  if (rank < zero_count_) return 0;
  std::uint64_t seen = zero_count_;
  for (const auto& [bucket, count] : buckets_) {
    seen += count;
    if (rank < seen) return std::min(value_of(bucket), max_);
  }
  return max_;
}

std::string QuantileSketch::encode() const {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  put_double(out, accuracy_);
  put_varint(out, count_);
  put_double(out, sum_);
  put_double(out, max_);
  put_varint(out, zero_count_);
  put_varint(out, buckets_.size());
  int previous = 0;
  for (const auto& [bucket, count] : buckets_) {
    put_varint(out, zigzag(static_cast<std::int64_t>(bucket) - previous));  // deltas stay small
    put_varint(out, count);
    previous = bucket;
  }
  return out;
}

Result<QuantileSketch> QuantileSketch::decode(const std::string& bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != kFormatVersion) {
    return fail("quantile sketch: unknown format version");
  }
  std::string rest = bytes.substr(1);
  Reader in(rest);
  double accuracy = 0;
  if (!in.real(accuracy) || !(accuracy > 0 && accuracy < 1)) {
    return fail("quantile sketch: bad accuracy");
  }
  QuantileSketch sketch(accuracy);
  std::uint64_t buckets = 0;
  if (!in.varint(sketch.count_) || !in.real(sketch.sum_) || !in.real(sketch.max_) ||
      !in.varint(sketch.zero_count_) || !in.varint(buckets)) {
    return fail("quantile sketch: truncated header");
  }
  std::int64_t bucket = 0;
  std::uint64_t total = sketch.zero_count_;
  for (std::uint64_t i = 0; i < buckets; ++i) {
    std::uint64_t delta = 0;
    std::uint64_t count = 0;
    if (!in.varint(delta) || !in.varint(count)) return fail("quantile sketch: truncated buckets");
    bucket += unzigzag(delta);
    sketch.buckets_[static_cast<int>(bucket)] = count;
    total += count;
  }
  if (!in.done() || total != sketch.count_) {
    return fail("quantile sketch: counts do not add up");
  }
  return sketch;
}

}  // namespace podfit::stats

#include "podfit/core/quantile_sketch.hpp"

#include "podfit/core/byte_coding.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace podfit {

namespace {

constexpr std::uint8_t kFormatVersion1 = 1;  // read only (store schema 1)
constexpr std::uint8_t kFormatVersion = 2;
constexpr double kDefaultAccuracy = 0.01;
constexpr std::uint8_t kDefaultFlag = 0x10;                // accuracy 1 %, not written
constexpr std::uint8_t kZerosFlag = 0x20;                  // a zero count follows the count
constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53

// How a sum or max is written: float64, or the zig-zag varint of an exact integer
// multiple of 1 (bytes), 1024 (KiB) or 1e-9 (nanocores).
enum NumberKind : int { kFloat64 = 0, kUnits = 1, kKibibytes = 2, kNanos = 3 };

using coding::put_double;
using coding::put_varint;
using coding::unzigzag;
using coding::zigzag;
using Reader = coding::ByteReader;

bool whole(double value) {
  return std::abs(value) < kExactIntegerLimit && std::floor(value) == value;
}

int number_kind(double value) {
  if (whole(value)) return std::fmod(value, 1024) == 0 ? kKibibytes : kUnits;
  double nanos = std::round(value * 1e9);
  if (std::abs(nanos) < kExactIntegerLimit && nanos / 1e9 == value) return kNanos;
  return kFloat64;
}

bool whole_nanos(double value) {
  double nanos = value * 1e9;
  return std::abs(nanos) < kExactIntegerLimit && std::abs(nanos - std::round(nanos)) < 1e-3;
}

void put_number(std::string& out, double value, int kind) {
  switch (kind) {
    case kUnits:
      put_varint(out, zigzag(static_cast<std::int64_t>(value)));
      break;
    case kKibibytes:
      put_varint(out, zigzag(static_cast<std::int64_t>(value) / 1024));
      break;
    case kNanos:
      put_varint(out, zigzag(static_cast<std::int64_t>(std::round(value * 1e9))));
      break;
    default:
      put_double(out, value);
  }
}

bool get_number(Reader& in, int kind, double& value) {
  if (kind == kFloat64) return in.real(value);
  std::uint64_t raw = 0;
  if (!in.varint(raw)) return false;
  std::int64_t number = unzigzag(raw);
  if (kind == kUnits) value = static_cast<double>(number);
  if (kind == kKibibytes) value = static_cast<double>(number) * 1024;
  if (kind == kNanos) value = static_cast<double>(number) / 1e9;
  return true;
}

}  // namespace

QuantileSketch::QuantileSketch(double relative_accuracy)
    : accuracy_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)) {}

int QuantileSketch::bucket_of(double value) const {
  return static_cast<int>(std::ceil(std::log(value) / log_gamma_));
}

// The point of bucket (gamma^(i-1), gamma^i] whose relative distance to both ends is `a`.
double QuantileSketch::upper_bound_of(int bucket) const {
  return std::exp(bucket * log_gamma_);
}

double QuantileSketch::value_of(int bucket) const {
  return 2 * std::pow(gamma_, bucket) / (gamma_ + 1);
}

void QuantileSketch::add(double value, std::uint64_t count) {
  if (count == 0 || std::isnan(value)) return;
  if (value <= kZeroThreshold) {
    zero_count_ += count;
    value = std::max(value, 0.0);
  } else if (!exact_mode_ || !add_exact(value, count)) {
    leave_exact();
    add_to_bucket(bucket_of(value), count);
  }
  max_ = count_ == 0 ? value : std::max(max_, value);
  count_ += count;
  sum_ += value * static_cast<double>(count);
}

bool QuantileSketch::add_exact(double value, std::uint64_t count) {
  auto by_value = [](const ExactValue& exact, double key) { return exact.value < key; };
  auto at = exact_.empty() || exact_.back().value < value
                ? exact_.end()
                : std::lower_bound(exact_.begin(), exact_.end(), value, by_value);
  if (at != exact_.end() && at->value == value) {
    at->count += count;
    return true;
  }
  if (exact_.size() >= kExactValues) return false;
  exact_.insert(at, {value, count});
  return true;
}

// Most values of a series repeat one already kept (quantized usage) or are new (at
// first): those kept are counted in place, the new ones sorted and merged in one pass
// rather than inserted one at a time.
void QuantileSketch::add_exact_each(std::vector<double> values) {
  auto by_value = [](const ExactValue& exact, double key) { return exact.value < key; };
  std::size_t fresh = 0;  // new values go to the front of `values`
  for (double value : values) {
    if (value != value) continue;  // NaN, as add() skips it
    if (value <= kZeroThreshold) {
      ++zero_count_;
      value = std::max(value, 0.0);
    } else {
      auto at = std::lower_bound(exact_.begin(), exact_.end(), value, by_value);
      if (at != exact_.end() && at->value == value) {
        ++at->count;
      } else {
        values[fresh++] = value;
      }
    }
    max_ = count_ == 0 ? value : std::max(max_, value);
    ++count_;
    sum_ += value;
  }
  values.resize(fresh);
  std::sort(values.begin(), values.end());
  std::vector<ExactValue> counted;
  for (double value : values) {
    if (!counted.empty() && counted.back().value == value) {
      ++counted.back().count;
    } else {
      counted.push_back({value, 1});
    }
  }
  merge_exact(counted);
}

void QuantileSketch::merge_exact(const std::vector<ExactValue>& other) {
  if (other.empty()) return;
  std::vector<ExactValue> merged;
  merged.reserve(exact_.size() + other.size());
  auto mine = exact_.begin();
  for (const ExactValue& theirs : other) {
    for (; mine != exact_.end() && mine->value < theirs.value; ++mine) merged.push_back(*mine);
    if (mine != exact_.end() && mine->value == theirs.value) {
      merged.push_back({theirs.value, mine->count + theirs.count});
      ++mine;
    } else {
      merged.push_back(theirs);
    }
  }
  merged.insert(merged.end(), mine, exact_.end());
  exact_ = std::move(merged);
  if (exact_.size() > kExactValues) leave_exact();
}

// Values ascending fill buckets ascending: equal indices are neighbours.
std::vector<QuantileSketch::Bucket> QuantileSketch::buckets_of_exact() const {
  std::vector<Bucket> buckets;
  for (const ExactValue& exact : exact_) {
    int index = bucket_of(exact.value);
    if (!buckets.empty() && buckets.back().index == index) {
      buckets.back().count += exact.count;
    } else {
      buckets.push_back({index, exact.count});
    }
  }
  return buckets;
}

void QuantileSketch::leave_exact() {
  if (!exact_mode_) return;
  buckets_ = buckets_of_exact();
  exact_ = std::vector<ExactValue>();  // its memory goes
  exact_mode_ = false;
}

// The rank-th smallest value (from 0): zeros first.
double QuantileSketch::exact_value_at_rank(std::uint64_t rank) const {
  if (rank < zero_count_) return 0;
  std::uint64_t seen = zero_count_;
  for (const ExactValue& exact : exact_) {
    seen += exact.count;
    if (rank < seen) return exact.value;
  }
  return max_;
}

Result<void> QuantileSketch::merge(const QuantileSketch& other) {
  if (other.accuracy_ != accuracy_) {
    return fail("cannot merge quantile sketches of different accuracy");
  }
  if (other.count_ == 0) return {};
  if (exact_mode_ && other.exact_mode_) {
    merge_exact(other.exact_);
  } else {
    leave_exact();
    merge_buckets(other.exact_mode_ ? other.buckets_of_exact() : other.buckets_);
  }
  zero_count_ += other.zero_count_;
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
  return {};
}

void QuantileSketch::add_to_bucket(int index, std::uint64_t count) {
  // Values of one series mostly land at or near the top bucket: check there first.
  if (buckets_.empty() || buckets_.back().index < index) {
    buckets_.push_back({index, count});
    return;
  }
  auto at = std::lower_bound(buckets_.begin(), buckets_.end(), index,
                             [](const Bucket& bucket, int key) { return bucket.index < key; });
  if (at->index == index) {
    at->count += count;
  } else {
    buckets_.insert(at, {index, count});
  }
}

// Counts the indices in a dense array over their span (a series' values stay within
// a few hundred buckets), then merges the non-empty ones in one pass.
void QuantileSketch::add_to_buckets(const std::vector<int>& indices) {
  constexpr std::int64_t kDenseLimit = 1 << 16;
  if (indices.empty()) return;
  auto [low, high] = std::minmax_element(indices.begin(), indices.end());
  std::int64_t span = std::int64_t{*high} - *low + 1;
  if (span > kDenseLimit) {
    for (int index : indices) add_to_bucket(index, 1);
    return;
  }
  int first = *low;
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(span));
  for (int index : indices) ++counts[static_cast<std::size_t>(index - first)];
  std::vector<Bucket> added;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) added.push_back({first + static_cast<int>(i), counts[i]});
  }
  merge_buckets(added);
}

void QuantileSketch::set_bucket(int index, std::uint64_t count) {
  auto at = std::lower_bound(buckets_.begin(), buckets_.end(), index,
                             [](const Bucket& bucket, int key) { return bucket.index < key; });
  if (at != buckets_.end() && at->index == index) {
    at->count = count;
  } else {
    buckets_.insert(at, {index, count});
  }
}

// Adds sorted `other` into the sorted buckets. Once a long merge has seen a
// container's usual range, an hour rarely brings a new index: then the counts are
// added in place, walking only the span of `other`; else one merge from the back.
void QuantileSketch::merge_buckets(const std::vector<Bucket>& other) {
  if (other.empty()) return;
  auto less = [](const Bucket& bucket, int key) { return bucket.index < key; };
  auto start = std::lower_bound(buckets_.begin(), buckets_.end(), other.front().index, less);
  std::size_t missing = 0;
  auto mine = start;
  for (const Bucket& bucket : other) {
    while (mine != buckets_.end() && mine->index < bucket.index) ++mine;
    if (mine != buckets_.end() && mine->index == bucket.index) {
      ++mine;
    } else {
      ++missing;
    }
  }
  if (missing == 0) {
    mine = start;
    for (const Bucket& bucket : other) {
      while (mine->index < bucket.index) ++mine;
      (mine++)->count += bucket.count;
    }
    return;
  }
  std::size_t old_size = buckets_.size();
  buckets_.resize(old_size + missing);
  auto write = buckets_.end();
  auto read = buckets_.begin() + static_cast<std::ptrdiff_t>(old_size);
  auto from = other.end();
  while (from != other.begin()) {
    const Bucket& next = *(from - 1);
    if (read != buckets_.begin() && (read - 1)->index > next.index) {
      *--write = *--read;
    } else if (read != buckets_.begin() && (read - 1)->index == next.index) {
      *--write = {next.index, (read - 1)->count + next.count};
      --read;
      --from;
    } else {
      *--write = next;
      --from;
    }
  }
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 100.0);
  double index = q / 100 * static_cast<double>(count_ - 1);
  auto rank = static_cast<std::uint64_t>(std::floor(index));
  if (exact_mode_) {  // numpy's "linear" method
    double a = exact_value_at_rank(rank);
    double b = exact_value_at_rank(std::min(rank + 1, count_ - 1));
    double t = index - std::floor(index);
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;  // numpy's lerp
  }
  if (rank + 1 == count_) return max_;  // the top rank is known exactly
  if (rank < zero_count_) return 0;
  std::uint64_t seen = zero_count_;
  for (const Bucket& bucket : buckets_) {
    seen += bucket.count;
    if (rank < seen) return std::min(value_of(bucket.index), max_);
  }
  return max_;
}

// Format 2 (docs/store.md): a format byte; a flags byte (how sum and max are
// written, whether the accuracy is the default 1 %, whether there are zeros);
// the accuracy as float64 unless default; count; the zero count if any; sum; max;
// then runs of consecutive buckets: the run count, and per run the zig-zag
// distance of its first bucket from the end of the previous run (from 0 for the
// first), its length and the count of each of its buckets.
std::string QuantileSketch::encode() const {
  if (exact_mode_ && !exact_.empty()) {
    QuantileSketch bucketed = *this;
    bucketed.leave_exact();
    return bucketed.encode();
  }
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  int sum_kind = number_kind(sum_);
  // A sum of nanocore values is a whole number of nanocores but for the rounding
  // of float addition: stored as that number (as close to the true sum, or closer).
  if (sum_kind == kFloat64 && whole_nanos(sum_)) sum_kind = kNanos;
  int max_kind = number_kind(max_);
  bool default_accuracy = accuracy_ == kDefaultAccuracy;
  out.push_back(static_cast<char>(sum_kind | max_kind << 2 | (default_accuracy ? kDefaultFlag : 0) |
                                  (zero_count_ > 0 ? kZerosFlag : 0)));
  if (!default_accuracy) put_double(out, accuracy_);
  put_varint(out, count_);
  if (zero_count_ > 0) put_varint(out, zero_count_);
  put_number(out, sum_, sum_kind);
  put_number(out, max_, max_kind);
  std::vector<std::pair<int, std::size_t>> runs;  // (first bucket, length)
  for (const Bucket& bucket : buckets_) {
    if (!runs.empty() && runs.back().first + static_cast<int>(runs.back().second) == bucket.index) {
      ++runs.back().second;
    } else {
      runs.emplace_back(bucket.index, 1);
    }
  }
  put_varint(out, runs.size());
  std::int64_t previous_end = 0;
  std::uint64_t widest = 0;
  for (const auto& [first, length] : runs) {
    put_varint(out, zigzag(static_cast<std::int64_t>(first) - previous_end));
    put_varint(out, length);
    previous_end = static_cast<std::int64_t>(first) + static_cast<std::int64_t>(length);
  }
  for (const Bucket& bucket : buckets_) widest |= bucket.count;
  int width = widest == 0 ? 0 : 64 - __builtin_clzll(widest);
  out.push_back(static_cast<char>(width));
  std::uint64_t bits = 0;  // counts of at most 56 bits, least significant first
  int used = 0;
  for (const Bucket& bucket : buckets_) {
    bits |= bucket.count << used;
    used += width;
    for (; used >= 8; used -= 8, bits >>= 8) out.push_back(static_cast<char>(bits & 0xff));
  }
  if (used > 0) out.push_back(static_cast<char>(bits & 0xff));
  return out;
}

Result<QuantileSketch> QuantileSketch::decode(std::string_view bytes) {
  if (!bytes.empty() && static_cast<std::uint8_t>(bytes[0]) == kFormatVersion1) {
    return decode_version1(bytes);
  }
  Header header;
  std::vector<Bucket> buckets;
  if (auto decoded = decode_version2(bytes, header, buckets); !decoded) {
    return tl::unexpected(decoded.error());
  }
  QuantileSketch sketch(header.accuracy);
  sketch.count_ = header.count;
  sketch.zero_count_ = header.zero_count;
  sketch.sum_ = header.sum;
  sketch.max_ = header.max;
  sketch.buckets_ = std::move(buckets);
  sketch.exact_mode_ = false;
  return sketch;
}

Result<void> QuantileSketch::merge_encoded(std::string_view bytes) {
  if (!bytes.empty() && static_cast<std::uint8_t>(bytes[0]) == kFormatVersion1) {
    auto decoded = decode_version1(bytes);
    return decoded.and_then([&](const QuantileSketch& other) { return merge(other); });
  }
  Header header;
  thread_local std::vector<Bucket> buckets;  // reused: its capacity outlives the call
  if (auto decoded = decode_version2(bytes, header, buckets); !decoded) return decoded;
  if (header.accuracy != accuracy_) {
    return fail("cannot merge quantile sketches of different accuracy");
  }
  if (header.count == 0) return {};
  leave_exact();
  merge_buckets(buckets);
  zero_count_ += header.zero_count;
  max_ = count_ == 0 ? header.max : std::max(max_, header.max);
  count_ += header.count;
  sum_ += header.sum;
  return {};
}

Result<void> QuantileSketch::decode_version2(std::string_view bytes, Header& header,
                                             std::vector<Bucket>& buckets) {
  buckets.clear();
  if (bytes.size() < 2 || static_cast<std::uint8_t>(bytes[0]) != kFormatVersion) {
    return fail("quantile sketch: unknown format version");
  }
  auto flags = static_cast<std::uint8_t>(bytes[1]);
  Reader in(bytes.substr(2));
  header.accuracy = kDefaultAccuracy;
  if ((flags & kDefaultFlag) == 0 &&
      (!in.real(header.accuracy) || !(header.accuracy > 0 && header.accuracy < 1))) {
    return fail("quantile sketch: bad accuracy");
  }
  std::uint64_t runs = 0;
  header.zero_count = 0;
  if (!in.varint(header.count) || ((flags & kZerosFlag) && !in.varint(header.zero_count)) ||
      !get_number(in, flags & 3, header.sum) || !get_number(in, (flags >> 2) & 3, header.max) ||
      !in.varint(runs)) {
    return fail("quantile sketch: truncated header");
  }
  // Run starts and lengths precede the counts: read them first, at most one run per
  // byte, without allocating.
  Reader runs_in = in;
  std::int64_t previous_end = 0;
  std::uint64_t bucket_total = 0;
  for (std::uint64_t run = 0; run < runs; ++run) {
    std::uint64_t delta = 0, length = 0;
    if (!in.varint(delta) || !in.varint(length) || length > bytes.size() * 8) {
      return fail("quantile sketch: truncated buckets");
    }
    std::int64_t first = 0;
    // Indexes are ints: a run must start and end within them (damage makes any number).
    if (__builtin_add_overflow(previous_end, unzigzag(delta), &first) || first < INT_MIN ||
        first > INT_MAX || static_cast<std::int64_t>(length) > INT_MAX - first) {
      return fail("quantile sketch: bucket index out of range");
    }
    if (run > 0 && first < previous_end) return fail("quantile sketch: buckets out of order");
    bucket_total += length;
    previous_end = first + static_cast<std::int64_t>(length);
  }
  std::uint64_t width = 0;
  if (!in.varint(width) || width > 56 || !in.fits((bucket_total * width + 7) / 8)) {
    return fail("quantile sketch: truncated buckets");
  }
  std::uint64_t total = header.zero_count;
  buckets.reserve(bucket_total);
  std::uint64_t bits = 0, mask = (std::uint64_t{1} << width) - 1;
  std::uint64_t have = 0;
  previous_end = 0;
  for (std::uint64_t run = 0; run < runs; ++run) {
    std::uint64_t delta = 0, length = 0;
    runs_in.varint(delta);  // read successfully above
    runs_in.varint(length);
    std::int64_t first = previous_end + unzigzag(delta);
    previous_end = first + static_cast<std::int64_t>(length);
    for (std::uint64_t i = 0; i < length; ++i) {
      for (; have < width; have += 8) bits |= std::uint64_t{in.unchecked_byte()} << have;
      std::uint64_t count = bits & mask;
      bits = width == 0 ? bits : bits >> width;
      have -= width;
      // The encoder writes only buckets that hold something.
      if (count == 0) return fail("quantile sketch: an empty bucket");
      // Runs come in increasing order: each bucket goes at the end.
      auto index = static_cast<int>(first + static_cast<std::int64_t>(i));
      if (!buckets.empty() && buckets.back().index >= index) {
        return fail("quantile sketch: buckets out of order");
      }
      buckets.push_back({index, count});
      total += count;
    }
  }
  if (!in.done() || total != header.count) {
    return fail("quantile sketch: counts do not add up");
  }
  return {};
}

// Format 1 (podfit store schema 1): format byte, accuracy, count, sum, max (float64),
// zero count, bucket count, then (zig-zag index delta, count) per bucket.
Result<QuantileSketch> QuantileSketch::decode_version1(std::string_view bytes) {
  Reader in(bytes.substr(1));
  double accuracy = 0;
  if (!in.real(accuracy) || !(accuracy > 0 && accuracy < 1)) {
    return fail("quantile sketch: bad accuracy");
  }
  QuantileSketch sketch(accuracy);
  sketch.exact_mode_ = false;
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
    if (count == 0) return fail("quantile sketch: an empty bucket");
    if (__builtin_add_overflow(bucket, unzigzag(delta), &bucket) || bucket < INT_MIN ||
        bucket > INT_MAX) {
      return fail("quantile sketch: bucket index out of range");
    }
    sketch.set_bucket(static_cast<int>(bucket), count);
    total += count;
  }
  if (!in.done() || total != sketch.count_) {
    return fail("quantile sketch: counts do not add up");
  }
  return sketch;
}

}  // namespace podfit

#include "podfit/quantity/quantity.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace podfit::quantity {
namespace {

// Kubernetes caps a quantity at 2^63-1 base units; beyond that we report an error.
constexpr __int128 kNanosPerUnit = 1'000'000'000;
constexpr __int128 kMaxNanos = static_cast<__int128>(INT64_MAX) * kNanosPerUnit;
// Largest exponent we read; anything beyond overflows or rounds to 1n anyway.
constexpr int kMaxExponentDigits = 4;

// Just enough unsigned big-integer arithmetic for exact parsing: the digits of a
// quantity can be longer than any built-in integer before scaling brings them in range.
class BigUnsigned {
 public:
  void multiply_add(std::uint32_t factor, std::uint32_t addend) {
    std::uint64_t carry = addend;
    for (std::uint32_t& limb : limbs_) {
      std::uint64_t product = static_cast<std::uint64_t>(limb) * factor + carry;
      limb = static_cast<std::uint32_t>(product);
      carry = product >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<std::uint32_t>(carry));
  }

  // Divides in place and returns the remainder.
  std::uint32_t divide(std::uint32_t divisor) {
    std::uint64_t remainder = 0;
    for (auto limb = limbs_.rbegin(); limb != limbs_.rend(); ++limb) {
      std::uint64_t current = (remainder << 32) | *limb;
      *limb = static_cast<std::uint32_t>(current / divisor);
      remainder = current % divisor;
    }
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
    return static_cast<std::uint32_t>(remainder);
  }

  // The value, or nullopt when it does not fit in 127 bits.
  std::optional<__int128> to_int128() const {
    if (limbs_.size() > 4 || (limbs_.size() == 4 && (limbs_[3] >> 31) != 0)) return std::nullopt;
    unsigned __int128 value = 0;
    for (auto limb = limbs_.rbegin(); limb != limbs_.rend(); ++limb) value = (value << 32) | *limb;
    return static_cast<__int128>(value);
  }

 private:
  std::vector<std::uint32_t> limbs_;  // little-endian base 2^32
};

struct Suffix {
  int decimal_exponent = 0;
  int binary_exponent = 0;  // power of 2 (Ki = 10)
};

std::optional<Suffix> named_suffix(std::string_view suffix) {
  static const std::pair<std::string_view, Suffix> kSuffixes[] = {
      {"", {0, 0}},    {"n", {-9, 0}},  {"u", {-6, 0}},  {"m", {-3, 0}},
      {"k", {3, 0}},   {"M", {6, 0}},   {"G", {9, 0}},   {"T", {12, 0}},
      {"P", {15, 0}},  {"E", {18, 0}},  {"Ki", {0, 10}}, {"Mi", {0, 20}},
      {"Gi", {0, 30}}, {"Ti", {0, 40}}, {"Pi", {0, 50}}, {"Ei", {0, 60}},
  };
  for (const auto& [name, value] : kSuffixes) {
    if (name == suffix) return value;
  }
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string quoted(std::string_view text) {
  return "quantity \"" + std::string(text) + "\"";
}

// Reads "e" / "E" followed by a signed integer; `suffix` starts at the letter.
Result<int> parse_exponent(std::string_view text, std::string_view suffix) {
  std::string_view rest = suffix.substr(1);
  bool negative = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest.empty())
    return fail(quoted(text) + ": the exponent after '" + suffix[0] + "' has no digits");
  for (char c : rest) {
    if (!is_digit(c)) {
      return fail(quoted(text) + ": unknown suffix \"" + std::string(suffix) +
                  "\" (an exponent is 'e' or 'E' followed by an integer, like e3 or E-6)");
    }
  }
  while (rest.size() > 1 && rest[0] == '0') rest.remove_prefix(1);
  if (rest.size() > kMaxExponentDigits) {
    return fail(quoted(text) + ": the exponent " + std::string(suffix.substr(1)) +
                " is out of range");
  }
  int exponent = std::stoi(std::string(rest));
  return negative ? -exponent : exponent;
}

Result<Suffix> parse_suffix(std::string_view text, std::string_view suffix) {
  if (auto named = named_suffix(suffix)) return *named;
  if (suffix[0] == 'e' || (suffix[0] == 'E' && suffix.size() > 1)) {
    auto exponent = parse_exponent(text, suffix);
    if (!exponent) return tl::unexpected(exponent.error());
    return Suffix{*exponent, 0};
  }
  for (char c : suffix) {
    if (c == ' ' || c == '\t') {
      return fail(quoted(text) + ": unexpected space (write the number and suffix together)");
    }
  }
  if (suffix[0] == '.') return fail(quoted(text) + ": more than one decimal point");
  if (suffix[0] == '+' || suffix[0] == '-') return fail(quoted(text) + ": misplaced sign");
  return fail(quoted(text) + ": unknown suffix \"" + std::string(suffix) +
              "\" (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)");
}

// ceil(|digits| × 10^decimal_exponent × 2^binary_exponent) in nano-units, or an error on overflow.
Result<__int128> scale_to_nanos(std::string_view text, std::string_view digits,
                                int decimal_exponent, int binary_exponent) {
  while (!digits.empty() && digits.front() == '0') digits.remove_prefix(1);
  if (digits.empty()) return __int128{0};
  auto overflow = [&] {
    return fail(quoted(text) + ": too large (the limit is 2^63-1 base units)");
  };
  const long digit_count = static_cast<long>(digits.size());
  // 2^60 < 10^19, so below this the whole value is a positive fraction of one nano-unit.
  if (decimal_exponent < 0 && -decimal_exponent > digit_count + 19) return __int128{1};
  // At least 10^(digit_count - 1 + decimal_exponent) nano-units, and the limit is below 10^28.
  if (digit_count - 1 + decimal_exponent > 28) return overflow();

  BigUnsigned value;
  for (char digit : digits) value.multiply_add(10, static_cast<std::uint32_t>(digit - '0'));
  for (int i = 0; i < binary_exponent; ++i) value.multiply_add(2, 0);
  for (int i = 0; i < decimal_exponent; ++i) value.multiply_add(10, 0);
  bool inexact = false;
  for (int i = 0; i < -decimal_exponent; ++i) inexact |= value.divide(10) != 0;
  auto nanos = value.to_int128();
  if (!nanos || *nanos + (inexact ? 1 : 0) > kMaxNanos) return overflow();
  return *nanos + (inexact ? 1 : 0);
}

// Rounds `value` up to an integer, treating values within float noise of an
// integer as that integer (0.021 × 1000 is 21.000000000000004, not 22). Only for
// millicores: there the ×1000 adds the noise, and amounts stay far below 2^53.
double ceil_tolerant(double value) {
  double nearest = std::nearbyint(value);
  if (std::fabs(value - nearest) <= 1e-12 * std::fmax(1.0, std::fabs(value))) return nearest;
  return std::ceil(value);
}

std::string integer_text(double whole) {
  if (std::fabs(whole) < 9.2e18) return std::to_string(static_cast<long long>(whole));
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.0f", whole);
  return buffer;
}

}  // namespace

double Quantity::value() const {
  return static_cast<double>(nanos / kNanosPerUnit) +
         static_cast<double>(nanos % kNanosPerUnit) / static_cast<double>(kNanosPerUnit);
}

Result<Quantity> parse(std::string_view text) {
  if (text.empty()) return fail("quantity \"\": empty");
  std::string_view rest = text;
  bool negative = false;
  if (rest[0] == '+' || rest[0] == '-') {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  std::size_t integer_end = 0;
  while (integer_end < rest.size() && is_digit(rest[integer_end])) ++integer_end;
  std::string digits(rest.substr(0, integer_end));
  std::size_t end = integer_end;
  int fraction_digits = 0;
  if (end < rest.size() && rest[end] == '.') {
    ++end;
    while (end < rest.size() && is_digit(rest[end])) {
      digits += rest[end++];
      ++fraction_digits;
    }
  }
  if (digits.empty()) {
    if (rest.empty() || rest[0] != ' ')
      return fail(quoted(text) + ": no number (it must start with digits)");
    return fail(quoted(text) + ": unexpected space before the number");
  }
  std::string_view suffix_text = rest.substr(end);
  PODFIT_TRY_ASSIGN(suffix, parse_suffix(text, suffix_text));

  // Value = digits × 10^(exponent - fraction_digits); in nano-units add 9.
  int decimal_exponent = suffix.decimal_exponent - fraction_digits + 9;
  PODFIT_TRY_ASSIGN(nanos, scale_to_nanos(text, digits, decimal_exponent, suffix.binary_exponent));
  return Quantity{negative ? -nanos : nanos};
}

std::string format_cpu(double cores) {
  if (!std::isfinite(cores)) return std::isnan(cores) ? "nan" : (cores > 0 ? "inf" : "-inf");
  double millis = ceil_tolerant(cores * 1000.0);
  if (millis == 0) return "0";
  if (std::fmod(millis, 1000.0) == 0) return integer_text(millis / 1000.0);
  return integer_text(millis) + "m";
}

std::string format_memory(double bytes) {
  if (!std::isfinite(bytes)) return std::isnan(bytes) ? "nan" : (bytes > 0 ? "inf" : "-inf");
  double whole = std::ceil(bytes);
  if (whole == 0) return "0";
  static const char* const kUnits[] = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
  int shift = 60;
  for (const char* unit : kUnits) {
    double size = std::ldexp(1.0, shift);
    if (std::fabs(whole) >= size && std::fmod(whole, size) == 0) {
      return integer_text(whole / size) + unit;
    }
    shift -= 10;
  }
  return integer_text(whole);
}

}  // namespace podfit::quantity

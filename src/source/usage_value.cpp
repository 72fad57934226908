#include "source/usage_value.hpp"

#include <cstdint>
#include <string>

#include "podfit/quantity/quantity.hpp"

namespace podfit::source {

namespace {

// Scale of a suffix the fast path knows: multiply (or divide, for n u m) the digits.
struct Scale {
  double factor;
  bool divide;
};

bool fast_suffix_scale(std::string_view suffix, Scale& scale) {
  if (suffix.empty()) {
    scale = {1, false};
  } else if (suffix.size() == 1) {
    switch (suffix[0]) {
      case 'n':
        scale = {1e9, true};
        break;
      case 'u':
        scale = {1e6, true};
        break;
      case 'm':
        scale = {1e3, true};
        break;
      case 'k':
        scale = {1e3, false};
        break;
      case 'M':
        scale = {1e6, false};
        break;
      case 'G':
        scale = {1e9, false};
        break;
      default:
        return false;
    }
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    switch (suffix[0]) {
      case 'K':
        scale = {1024.0, false};
        break;
      case 'M':
        scale = {1048576.0, false};
        break;
      case 'G':
        scale = {1073741824.0, false};
        break;
      default:
        return false;
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<double> parse_usage_value(std::string_view text) {
  // Up to 15 digits are exact in a double, so the one rounding below is the only one.
  std::size_t digits = 0;
  std::uint64_t number = 0;
  while (digits < text.size() && digits <= 15 && text[digits] >= '0' && text[digits] <= '9') {
    number = number * 10 + static_cast<std::uint64_t>(text[digits] - '0');
    ++digits;
  }
  Scale scale{};
  if (digits > 0 && digits <= 15 && fast_suffix_scale(text.substr(digits), scale)) {
    double value = static_cast<double>(number);
    return scale.divide ? value / scale.factor : value * scale.factor;
  }

  auto parsed = quantity::parse(text);
  if (!parsed) return fail(parsed.error().message);
  double value = parsed->value();
  if (value < 0) return fail("quantity \"" + std::string(text) + "\": usage cannot be negative");
  return value;
}

}  // namespace podfit::source

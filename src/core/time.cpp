// RFC 3339 timestamps, Go durations and the wall clock.
// Hand-written (no locale or time-zone library): the reader calls these once
// per pod and line, so they must be cheap and must not depend on the host.
#include <cstdint>
#include <string>
#include <string_view>

#include "podfit/core/time.hpp"

#include <chrono>
#include <cstdio>

namespace podfit {

namespace {

// Reads exactly `count` decimal digits at `pos`; false when any is missing.
bool read_fixed_digits(std::string_view text, std::size_t pos, int count, int& value) {
  if (pos + static_cast<std::size_t>(count) > text.size()) return false;
  value = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

bool is_leap_year(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date: count in 400-year eras
// that start on March 1st, so the leap day is the last day of its year.
std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  std::int64_t year_of_era = year - era * 400;
  int month_from_march = month > 2 ? month - 3 : month + 9;
  std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

tl::unexpected<Error> bad_timestamp(std::string_view text, const char* why) {
  return fail("timestamp \"" + std::string(text) + "\": " + why);
}

}  // namespace

Result<std::int64_t> parse_rfc3339_ns(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !read_fixed_digits(text, 0, 4, year) || text[4] != '-' ||
      !read_fixed_digits(text, 5, 2, month) || text[7] != '-' ||
      !read_fixed_digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !read_fixed_digits(text, 11, 2, hour) || text[13] != ':' ||
      !read_fixed_digits(text, 14, 2, minute) || text[16] != ':' ||
      !read_fixed_digits(text, 17, 2, second)) {
    return bad_timestamp(text, "expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm)");
  }
  if (month < 1 || month > 12) return bad_timestamp(text, "month out of range");
  if (day < 1 || day > days_in_month(year, month)) return bad_timestamp(text, "day out of range");
  if (hour > 23 || minute > 59 || second > 59) {
    return bad_timestamp(text, "time of day out of range");
  }

  std::size_t pos = 19;
  std::int64_t fraction_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return bad_timestamp(text, "more than 9 fractional digits");
      fraction_ns = fraction_ns * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return bad_timestamp(text, "no digits after the decimal point");
    for (int i = digits; i < 9; ++i) fraction_ns *= 10;
  }

  std::int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hour = 0, offset_minute = 0;
    if (!read_fixed_digits(text, pos + 1, 2, offset_hour) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !read_fixed_digits(text, pos + 4, 2, offset_minute)) {
      return bad_timestamp(text, "bad UTC offset, expected +hh:mm or -hh:mm");
    }
    if (offset_hour > 23 || offset_minute > 59) {
      return bad_timestamp(text, "UTC offset out of range");
    }
    offset_seconds = (offset_hour * 3600 + offset_minute * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad_timestamp(text, "missing time zone (Z or +hh:mm)");
  }
  if (pos != text.size()) return bad_timestamp(text, "unexpected text after the time zone");

  std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                         second - offset_seconds;
  // int64 nanoseconds cover 1677-09-21 to 2262-04-11.
  constexpr std::int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  if (seconds > kMaxSeconds || seconds < -kMaxSeconds) {
    return bad_timestamp(text, "outside the years 1678-2261");
  }
  return seconds * 1'000'000'000 + fraction_ns;
}

namespace {

// Nanoseconds per unit for a Go duration unit at the start of `rest`; sets `length`.
std::int64_t go_duration_unit_ns(std::string_view rest, std::size_t& length) {
  struct Unit {
    std::string_view name;
    std::int64_t ns;
  };
  // Longest names first so "ms" is not read as "m".
  static constexpr Unit kUnits[] = {
      {"ns", 1},         {"us", 1000},         {"\xC2\xB5s", 1000},   {"\xCE\xBCs", 1000},
      {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000},
  };
  for (const Unit& unit : kUnits) {
    if (rest.substr(0, unit.name.size()) == unit.name) {
      length = unit.name.size();
      return unit.ns;
    }
  }
  return 0;
}

tl::unexpected<Error> bad_duration(std::string_view text, const char* why) {
  return fail("duration \"" + std::string(text) + "\": " + why);
}

}  // namespace

Result<std::int64_t> parse_supported_time_ns(std::string_view text) {
  PODFIT_TRY_ASSIGN(time_ns, parse_rfc3339_ns(text));
  if (!is_supported_time(time_ns)) {
    return bad_timestamp(text, "before 1970 or after 2199, which podfit does not support");
  }
  return time_ns;
}

Result<double> parse_go_duration_seconds(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return 0.0;
  if (rest.empty()) return bad_duration(text, "empty");

  // Whole nanoseconds, as Go keeps them; long double holds the sum exactly
  // for any duration an int64 of nanoseconds can hold.
  long double total_ns = 0;
  while (!rest.empty()) {
    std::size_t pos = 0;
    long double whole = 0, fraction = 0, fraction_scale = 1;
    bool any_digit = false;
    while (pos < rest.size() && rest[pos] >= '0' && rest[pos] <= '9') {
      whole = whole * 10 + (rest[pos++] - '0');
      any_digit = true;
    }
    if (pos < rest.size() && rest[pos] == '.') {
      ++pos;
      while (pos < rest.size() && rest[pos] >= '0' && rest[pos] <= '9') {
        fraction = fraction * 10 + (rest[pos++] - '0');
        fraction_scale *= 10;
        any_digit = true;
      }
    }
    if (!any_digit) return bad_duration(text, "expected a number");
    std::size_t unit_length = 0;
    std::int64_t unit_ns = go_duration_unit_ns(rest.substr(pos), unit_length);
    if (unit_ns == 0) return bad_duration(text, "missing or unknown unit (ns us ms s m h)");
    // Go truncates a fraction to whole nanoseconds.
    long double fraction_ns = static_cast<long double>(
        static_cast<std::int64_t>(fraction * static_cast<long double>(unit_ns) / fraction_scale));
    total_ns += whole * static_cast<long double>(unit_ns) + fraction_ns;
    if (total_ns > static_cast<long double>(INT64_MAX)) return bad_duration(text, "overflows");
    rest.remove_prefix(pos + unit_length);
  }
  // Exact below 2^53 ns (104 days), so 15.03s gives the double nearest 15.03.
  double seconds = static_cast<double>(total_ns) / 1e9;
  return negative ? -seconds : seconds;
}

namespace {

// Civil date of a day count since 1970-01-01 (proleptic Gregorian).
void civil_from_days(std::int64_t days, std::int64_t& year, int& month, int& day) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  std::int64_t day_of_era = days - era * 146097;
  std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace

std::string format_rfc3339(std::int64_t time_ns) {
  std::int64_t seconds =
      time_ns >= 0 ? time_ns / 1000000000 : -((-time_ns + 999999999) / 1000000000);
  std::int64_t nanos = time_ns - seconds * 1000000000;
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t second_of_day = seconds - days * 86400;
  std::int64_t year = 0;
  int month = 0, day = 0;
  civil_from_days(days, year, month, day);
  char text[48];
  int size = std::snprintf(
      text, sizeof text, "%04lld-%02d-%02dT%02lld:%02lld:%02lld", static_cast<long long>(year),
      month, day, static_cast<long long>(second_of_day / 3600),
      static_cast<long long>(second_of_day / 60 % 60), static_cast<long long>(second_of_day % 60));
  std::string result(text, static_cast<std::size_t>(size));
  if (nanos != 0) {
    std::snprintf(text, sizeof text, ".%09lld", static_cast<long long>(nanos));
    result += text;
  }
  return result + "Z";
}

namespace {
std::int64_t (*clock_override)() = nullptr;
}  // namespace

std::int64_t now_ns() {
  if (clock_override != nullptr) return clock_override();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double now_seconds() {
  return static_cast<double>(now_ns()) / 1e9;
}

ScopedClock::ScopedClock(std::int64_t (*clock)()) : previous_(clock_override) {
  clock_override = clock;
}
ScopedClock::~ScopedClock() {
  clock_override = previous_;
}

}  // namespace podfit

#include "podfit/quantity/quantity.hpp"

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/support.hpp"

namespace podfit::quantity {
namespace {

std::string to_string(__int128 value) {
  if (value == 0) return "0";
  bool negative = value < 0;
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(value) : value;
  std::string digits;
  while (magnitude != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

std::string nanos_of(const std::string& text) {
  auto parsed = parse(text);
  if (!parsed) return "error: " + parsed.error().message;
  return to_string(parsed->nanos);
}

std::string error_of(const std::string& text) {
  auto parsed = parse(text);
  return parsed ? std::string("no error") : parsed.error().message;
}

TEST_CASE("parse reads every suffix exactly in nano-units", "[quantity]") {
  struct Case {
    const char* text;
    const char* nanos;
  };
  const Case cases[] = {
      {"0", "0"},
      {"1", "1000000000"},
      {"250m", "250000000"},
      {"1.5", "1500000000"},
      {"+5", "5000000000"},
      {"-2", "-2000000000"},
      {".5", "500000000"},
      {"5.", "5000000000"},
      {"00012", "12000000000"},
      {"100n", "100"},
      {"7u", "7000"},
      {"3k", "3000000000000"},
      {"2M", "2000000000000000"},
      {"1G", "1000000000000000000"},
      {"1T", "1000000000000000000000"},
      {"1P", "1000000000000000000000000"},
      {"1E", "1000000000000000000000000000"},
      {"1Ki", "1024000000000"},
      {"96Mi", "100663296000000000"},
      {"1.5Gi", "1610612736000000000"},
      {"1Ti", "1099511627776000000000"},
      {"1Pi", "1125899906842624000000000"},
      {"7Ei", "8070450532247928832000000000"},
      {"1e3", "1000000000000"},
      {"1e+3", "1000000000000"},
      {"1.5E-3", "1500000"},
      {"12e6", "12000000000000000"},
      {"1E0", "1000000000"},
      {"9223372036854775807", "9223372036854775807000000000"},
      {"0e9999", "0"},
      {"-0", "0"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(nanos_of(c.text) == c.nanos);
  }
}

TEST_CASE("parse rounds values finer than 1n away from zero", "[quantity]") {
  CHECK(nanos_of("0.1n") == "1");
  CHECK(nanos_of("1.0000000001") == "1000000001");
  CHECK(nanos_of("1.000000001") == "1000000001");  // exact: no rounding
  CHECK(nanos_of("-0.1n") == "-1");
  CHECK(nanos_of("1e-9999") == "1");
  CHECK(nanos_of("0.0000000000000000000000000001") == "1");
  // 1e-21 × 2^60 = 0.001152921504606846976 bytes = 1152921.504606846976 n
  CHECK(nanos_of("0.000000000000000000001Ei") == "1152922");
}

TEST_CASE("parse rejects garbage with a reason that quotes the text", "[quantity]") {
  CHECK(error_of("") == "quantity \"\": empty");
  CHECK(error_of("1.2.3") == "quantity \"1.2.3\": more than one decimal point");
  CHECK_THAT(error_of("5mi"), Catch::Contains("quantity \"5mi\": unknown suffix \"mi\""));
  CHECK_THAT(error_of("Mi"), Catch::Contains("quantity \"Mi\": no number"));
  CHECK_THAT(error_of("1 Mi"), Catch::Contains("quantity \"1 Mi\": unexpected space"));
  CHECK_THAT(error_of(" 1"), Catch::Contains("quantity \" 1\": unexpected space"));
  CHECK_THAT(error_of("1m5"), Catch::Contains("unknown suffix \"m5\""));
  CHECK_THAT(error_of("--1"), Catch::Contains("quantity \"--1\": no number"));
  CHECK_THAT(error_of("1-"), Catch::Contains("misplaced sign"));
  CHECK_THAT(error_of("1e"),
             Catch::Contains("quantity \"1e\": the exponent after 'e' has no digits"));
  CHECK_THAT(error_of("1e-"), Catch::Contains("has no digits"));
  CHECK_THAT(error_of("1e3.5"), Catch::Contains("unknown suffix \"e3.5\""));
  CHECK_THAT(error_of("1e99999"),
             Catch::Contains("quantity \"1e99999\": the exponent 99999 is out of range"));
  CHECK_THAT(error_of("."), Catch::Contains("no number"));
  CHECK_THAT(error_of("1KI"), Catch::Contains("unknown suffix \"KI\""));
  CHECK_THAT(error_of("1K"), Catch::Contains("unknown suffix \"K\""));
  CHECK_THAT(error_of("1Mi "), Catch::Contains("unexpected space"));
}

TEST_CASE("parse reports overflow beyond 2^63-1 base units", "[quantity]") {
  CHECK_THAT(error_of("9223372036854775808"),
             Catch::Contains("\"9223372036854775808\": too large"));
  CHECK_THAT(error_of("8Ei"), Catch::Contains("too large"));
  CHECK_THAT(error_of("10E"), Catch::Contains("too large"));
  CHECK_THAT(error_of("1e19"), Catch::Contains("too large"));
  CHECK_THAT(error_of("1e9999"), Catch::Contains("too large"));
  CHECK_THAT(error_of("-1e9999"), Catch::Contains("too large"));
  CHECK_THAT(error_of("123456789012345678901234567890123456789012345"),
             Catch::Contains("too large"));
  CHECK(nanos_of("9223372036854775807.000000000") == "9223372036854775807000000000");
  CHECK_THAT(error_of("9223372036854775807.0000000001"), Catch::Contains("too large"));
}

TEST_CASE("Quantity::value converts to base units", "[quantity]") {
  CHECK(parse("250m")->value() == 0.25);
  CHECK(parse("1.5Gi")->value() == 1610612736.0);
  CHECK(parse("-1500m")->value() == -1.5);
  CHECK(parse("1n")->value() == 1e-9);
}

// Random quantity strings, parsed here and by Python's exact Decimal/Fraction arithmetic.
TEST_CASE("parse agrees with an exact computation in Python", "[quantity]") {
  std::mt19937 random(20240611);
  const std::vector<std::string> suffixes = {"",  "n", "u",  "m",  "k",  "M",  "G",  "T",
                                             "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  auto pick = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  auto digits = [&](int count) {
    std::string text;
    for (int i = 0; i < count; ++i) text += static_cast<char>('0' + pick(0, 9));
    return text;
  };
  std::vector<std::string> inputs;
  for (int i = 0; i < 3000; ++i) {
    std::string text = std::vector<std::string>{"", "", "+", "-"}[pick(0, 3)];
    std::string integer = digits(pick(0, 14));
    std::string fraction = pick(0, 1) ? digits(pick(0, 14)) : "";
    if (integer.empty() && fraction.empty()) integer = "0";
    text += integer;
    if (!fraction.empty() || pick(0, 5) == 0) text += "." + fraction;
    if (pick(0, 3) == 0) {
      text += std::string(pick(0, 1) ? "e" : "E") + std::to_string(pick(-40, 25));
    } else {
      text += suffixes[pick(0, static_cast<int>(suffixes.size()) - 1)];
    }
    inputs.push_back(text);
  }
  test::TempDir dir;
  std::ostringstream joined;
  for (const auto& text : inputs) joined << text << '\n';
  test::write_file(dir / "inputs.txt", joined.str());
  const std::string script = R"PY(
import math, re, sys
from decimal import Decimal
from fractions import Fraction
powers = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
limit = (2**63 - 1) * 10**9
for line in open(sys.argv[1]):
    text = line.rstrip("\n")
    m = re.fullmatch(r"([+-]?)([0-9]*\.?[0-9]*)(.*)", text)
    sign, number, suffix = m.groups()
    value = Fraction(Decimal(number))
    if suffix in powers:
        value *= Fraction(10) ** powers[suffix]
    elif suffix.endswith("i"):
        value *= 2 ** (10 * "KMGTPE".index(suffix[0]) + 10)
    else:
        value *= Fraction(10) ** int(suffix[1:])
    nanos = math.ceil(value * 10**9)
    print("overflow" if nanos > limit else ("-" if sign == "-" and nanos else "") + str(nanos))
)PY";
  test::write_file(dir / "exact.py", script);
  auto result =
      test::run_command(test::python() + " " + test::shell_quote((dir / "exact.py").string()) +
                        " " + test::shell_quote((dir / "inputs.txt").string()));
  REQUIRE(result.exit_code == 0);
  std::istringstream expected_lines(result.out);
  std::size_t overflows = 0;
  for (const auto& text : inputs) {
    std::string expected;
    REQUIRE(std::getline(expected_lines, expected));
    auto parsed = parse(text);
    INFO(text);
    if (expected == "overflow") {
      ++overflows;
      REQUIRE_FALSE(parsed);
      CHECK_THAT(parsed.error().message, Catch::Contains("too large"));
    } else {
      REQUIRE(parsed);
      CHECK(to_string(parsed->nanos) == expected);
    }
  }
  // The generator must exercise both outcomes, or this test proves little.
  CHECK(overflows > 50);
  CHECK(overflows < inputs.size() / 2);
}

TEST_CASE("format_cpu writes whole cores or millicores rounded up", "[quantity]") {
  CHECK(format_cpu(0) == "0");
  CHECK(format_cpu(0.25) == "250m");
  CHECK(format_cpu(1.5) == "1500m");
  CHECK(format_cpu(2) == "2");
  CHECK(format_cpu(0.0001) == "1m");
  CHECK(format_cpu(0.0011) == "2m");
  CHECK(format_cpu(0.021) == "21m");  // 0.021 × 1000 is 21.000000000000004 in doubles
  CHECK(format_cpu(0.018 * 1.15) == "21m");
  CHECK(format_cpu(1.0000001) == "1001m");
  CHECK(format_cpu(64) == "64");
}

TEST_CASE("format_memory uses the largest exact binary unit", "[quantity]") {
  const double mi = 1024.0 * 1024.0;
  CHECK(format_memory(0) == "0");
  CHECK(format_memory(96 * mi) == "96Mi");
  CHECK(format_memory(1.5 * 1024 * mi) == "1536Mi");
  CHECK(format_memory(2 * 1024 * mi) == "2Gi");
  CHECK(format_memory(1536 * 1024) == "1536Ki");
  CHECK(format_memory(1000) == "1000");
  CHECK(format_memory(1024) == "1Ki");
  CHECK(format_memory(1022.2) == "1023");
  CHECK(format_memory(1023.5) == "1Ki");
  CHECK(format_memory(0.3) == "1");
  CHECK(format_memory(3.0 * 1024 * 1024 * mi) == "3Ti");
  CHECK(format_memory(std::ldexp(1.0, 60)) == "1Ei");
}

TEST_CASE("formatting round-trips through parse, never below the value", "[quantity]") {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> exponent(-4, 4);
  for (int i = 0; i < 2000; ++i) {
    double cores = std::pow(10.0, exponent(random));
    auto cpu = parse(format_cpu(cores));
    REQUIRE(cpu);
    INFO(cores << " -> " << format_cpu(cores));
    CHECK(cpu->value() >= cores);
    CHECK(cpu->value() - cores < 0.001);

    double bytes = std::pow(10.0, 2 * exponent(random) + 8);
    auto memory = parse(format_memory(bytes));
    REQUIRE(memory);
    INFO(bytes << " -> " << format_memory(bytes));
    CHECK(memory->value() >= bytes);
    CHECK(memory->value() - bytes < 1.0);
  }
}

}  // namespace
}  // namespace podfit::quantity

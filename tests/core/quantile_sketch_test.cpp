// The quantile sketch against numpy on long traces, merging, and its binary form.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "podfit/core/quantile_sketch.hpp"
#include "support/support.hpp"

using podfit::QuantileSketch;

namespace {

const std::vector<double> kQuantiles{0, 1, 10, 50, 90, 95, 99, 99.9, 100};

// Usage-like traces: lognormal CPU with idle zeros, and a memory leak with noise.
std::vector<double> trace(int kind, std::size_t size, unsigned seed) {
  std::mt19937_64 random(seed);
  std::lognormal_distribution<double> lognormal(-3.0, 1.2);
  std::normal_distribution<double> noise(0, 4e6);
  std::vector<double> values;
  for (std::size_t i = 0; i < size; ++i) {
    if (kind == 0) {
      values.push_back(i % 17 == 0 ? 0.0 : lognormal(random));
    } else {
      values.push_back(200e6 + 50.0 * static_cast<double>(i) + noise(random));
    }
  }
  return values;
}

// numpy's percentiles of the rank the sketch promises (method="lower"), or another method.
std::vector<double> numpy_lower(const std::vector<double>& values,
                                const std::string& method = "lower") {
  podfit::test::TempDir dir;
  std::ostringstream text;
  text.precision(17);
  for (double v : values) text << v << '\n';
  podfit::test::write_file(dir / "values.txt", text.str());
  std::ostringstream script;
  script << "import numpy as np, sys\n"
         << "v = np.loadtxt(sys.argv[1])\n"
         << "for q in [0, 1, 10, 50, 90, 95, 99, 99.9, 100]:\n"
         << "    print(repr(float(np.percentile(v, q, method='" << method << "'))))\n";
  podfit::test::write_file(dir / "q.py", script.str());
  auto result = podfit::test::run_command(podfit::test::python() + " " + (dir / "q.py").string() +
                                          " " + (dir / "values.txt").string());
  REQUIRE(result.exit_code == 0);
  std::vector<double> expected;
  std::istringstream lines(result.out);
  for (double v; lines >> v;) expected.push_back(v);
  REQUIRE(expected.size() == kQuantiles.size());
  return expected;
}

}  // namespace

TEST_CASE("sketch quantiles are within 1% of numpy on long traces", "[stats][sketch]") {
  for (int kind : {0, 1}) {
    std::vector<double> values = trace(kind, 100000, 7 + kind);
    QuantileSketch sketch;
    for (double v : values) sketch.add(v);
    std::vector<double> expected = numpy_lower(values);
    for (std::size_t i = 0; i < kQuantiles.size(); ++i) {
      INFO("kind " << kind << " q " << kQuantiles[i]);
      double estimate = sketch.quantile(kQuantiles[i]);
      CHECK(std::fabs(estimate - expected[i]) <= 0.01 * std::fabs(expected[i]) + 1e-12);
    }
    CHECK(sketch.count() == values.size());
    CHECK(sketch.max() == *std::max_element(values.begin(), values.end()));
    // 100,000 samples fit in a few hundred buckets.
    CHECK(sketch.bucket_count() < 1000);
  }
}

TEST_CASE("merged sketches equal the sketch of all the values", "[stats][sketch]") {
  std::vector<double> values = trace(0, 20000, 3);
  QuantileSketch whole;
  QuantileSketch first;
  QuantileSketch second;
  for (std::size_t i = 0; i < values.size(); ++i) {
    whole.add(values[i]);
    (i < 7000 ? first : second).add(values[i]);
  }
  REQUIRE(first.merge(second));
  for (double q : kQuantiles) CHECK(first.quantile(q) == whole.quantile(q));
  CHECK(first.count() == whole.count());
  CHECK(first.max() == whole.max());
  CHECK(first.mean() == Approx(whole.mean()));
  CHECK_FALSE(first.merge(QuantileSketch(0.02)));
}

TEST_CASE("sketch encodes and decodes exactly, corrupt bytes are refused", "[stats][sketch]") {
  QuantileSketch sketch;
  for (double v : trace(1, 5000, 11)) sketch.add(v);
  sketch.add(0, 3);
  std::string bytes = sketch.encode();
  auto decoded = QuantileSketch::decode(bytes);
  REQUIRE(decoded);
  CHECK(decoded->encode() == bytes);
  for (double q : kQuantiles) CHECK(decoded->quantile(q) == sketch.quantile(q));

  CHECK_FALSE(QuantileSketch::decode(""));
  CHECK_FALSE(QuantileSketch::decode(bytes.substr(0, bytes.size() - 2)));
  std::string wrong_version = bytes;
  wrong_version[0] = 9;
  CHECK_FALSE(QuantileSketch::decode(wrong_version));
  CHECK_FALSE(QuantileSketch::decode(bytes + "x"));
}

TEST_CASE("an empty sketch and edge values", "[stats][sketch]") {
  QuantileSketch sketch;
  CHECK(sketch.quantile(50) == 0);
  sketch.add(5.0);
  CHECK(sketch.quantile(0) == 5.0);  // one value: it is also the max, known exactly
  CHECK(sketch.quantile(100) == 5.0);
  sketch.add(-1.0);  // negative usage counts as zero
  CHECK(sketch.quantile(0) == 0);
  CHECK(sketch.count() == 2);
}

TEST_CASE("sketch format 2 keeps count and max exact and the sum to float rounding",
          "[stats][sketch]") {
  std::mt19937_64 random(3);
  std::uniform_int_distribution<std::int64_t> nanocores(1'000'000, 900'000'000);
  std::uniform_int_distribution<std::int64_t> kib(10'000, 1'000'000);
  QuantileSketch cpu, memory, odd(0.02), bytes;
  for (int i = 0; i < 240; ++i) {
    cpu.add(static_cast<double>(nanocores(random)) / 1e9);
    memory.add(static_cast<double>(kib(random)) * 1024);
    odd.add(1.0 / (i + 3));
    bytes.add(static_cast<double>(kib(random)) + 1);
  }
  bytes.add(0, 2);
  for (const QuantileSketch* sketch : {&cpu, &memory, &odd, &bytes}) {
    auto decoded = QuantileSketch::decode(sketch->encode());
    REQUIRE(decoded);
    CHECK(decoded->count() == sketch->count());
    if (sketch == &cpu) {  // a whole number of nanocores up to float rounding: stored as one
      CHECK(decoded->sum() == std::round(cpu.sum() * 1e9) / 1e9);
      CHECK(decoded->sum() == Approx(cpu.sum()).epsilon(1e-14));
    } else {
      CHECK(decoded->sum() == sketch->sum());
    }
    CHECK(decoded->max() == sketch->max());
    CHECK(decoded->relative_accuracy() == sketch->relative_accuracy());
    // 240 values are kept exactly; the binary form holds their buckets.
    CHECK(sketch->exact());
    CHECK_FALSE(decoded->exact());
    auto bucketed = QuantileSketch::decode(QuantileSketch(sketch->relative_accuracy()).encode());
    REQUIRE(bucketed);
    REQUIRE(bucketed->merge(*sketch));
    CHECK_FALSE(bucketed->exact());
    for (double q : kQuantiles) CHECK(decoded->quantile(q) == bucketed->quantile(q));
  }
  // Memory in KiB: format, flags, count (2), sum and max in KiB (<= 5 + 4), run count
  // (2); per bucket at most its count (1) and, when it starts a run, 3 more.
  std::string encoded = memory.encode();
  CHECK(encoded.size() <= 15 + memory.bucket_count() * 4);
}

TEST_CASE("sketches written by store schema 1 (format 1) still decode", "[stats][sketch]") {
  // Format 1 by hand: version, accuracy, count, sum, max, zeros, buckets, (delta, count)...
  auto real = [](double value) {
    std::string bytes(sizeof value, '\0');
    std::memcpy(bytes.data(), &value, sizeof value);
    return bytes;
  };
  // Buckets -116 (3 values) and -81 (1 value): zig-zag deltas 231 (2 bytes) and 70.
  std::string v1 = std::string(1, '\x01') + real(0.01) + '\x04' + real(0.5) + real(0.2) + '\x00' +
                   '\x02' + "\xe7\x01" + '\x03' + '\x46' + '\x01';
  auto decoded = QuantileSketch::decode(v1);
  REQUIRE(decoded);
  CHECK(decoded->count() == 4);
  CHECK(decoded->sum() == 0.5);
  CHECK(decoded->max() == 0.2);
  double gamma = 1.01 / 0.99;
  CHECK(decoded->quantile(0) == Approx(2 * std::pow(gamma, -116) / (gamma + 1)).epsilon(1e-12));
  CHECK(decoded->quantile(100) == 0.2);
  CHECK(static_cast<unsigned char>(decoded->encode()[0]) == 2);
}

TEST_CASE("merging many small sketches keeps every bucket count", "[stats][sketch]") {
  // Hours whose buckets interleave, extend either end or repeat those already merged:
  // the merged buckets must be exactly those of one sketch fed every value.
  std::mt19937_64 random(11);
  std::lognormal_distribution<double> lognormal(0.0, 2.0);
  QuantileSketch whole;
  QuantileSketch merged;
  std::uint64_t zeros = 0;
  for (int hour = 0; hour < 300; ++hour) {
    QuantileSketch part;
    int size = 1 + hour % 40;
    for (int i = 0; i < size; ++i) {
      double value = hour % 7 == 0 && i == 0 ? 0.0 : lognormal(random) * (1 + hour % 5);
      zeros += value == 0.0;
      part.add(value);
      whole.add(value);
    }
    REQUIRE(merged.merge(part));
  }
  REQUIRE(merged.merge(QuantileSketch()));  // empty: nothing changes
  std::vector<std::pair<double, std::uint64_t>> expected, actual;
  whole.for_each_bucket(
      [&](double value, std::uint64_t count) { expected.emplace_back(value, count); });
  merged.for_each_bucket(
      [&](double value, std::uint64_t count) { actual.emplace_back(value, count); });
  CHECK(actual == expected);
  CHECK(merged.bucket_count() == expected.size());
  REQUIRE(!expected.empty());
  CHECK(expected.front() == std::make_pair(0.0, zeros));
  for (std::size_t i = 1; i < actual.size(); ++i) CHECK(actual[i - 1].first < actual[i].first);
  // The sum may differ by float rounding (added in another order), the rest may not.
  auto decoded = QuantileSketch::decode(merged.encode());
  REQUIRE(decoded);
  CHECK(decoded->count() == whole.count());
  for (double q : kQuantiles) CHECK(decoded->quantile(q) == whole.quantile(q));
  // A sketch merged into itself doubles every count.
  QuantileSketch doubled = whole;
  REQUIRE(doubled.merge(doubled));
  std::uint64_t total = 0;
  doubled.for_each_bucket([&](double, std::uint64_t count) { total += count; });
  CHECK(total == 2 * whole.count());
  CHECK(doubled.count() == 2 * whole.count());
}

TEST_CASE("add_each equals adding the values one at a time", "[stats][sketch]") {
  std::vector<double> values = trace(0, 5000, 5);
  values.push_back(std::nan(""));
  values.push_back(-3.0);  // counts as zero
  values.push_back(1e300);
  values.push_back(
      1e-10);  // at 0.1 % accuracy, 1e-10..1e300 span too many buckets to count densely
  for (auto [preloaded, accuracy] : {std::pair{false, 0.01}, {true, 0.01}, {true, 0.001}}) {
    QuantileSketch one(accuracy), each(accuracy);
    if (preloaded) {
      for (double v : {0.5, 7.0, 1e-3}) one.add(v), each.add(v);
    }
    for (double v : values) one.add(v);
    each.add_each(values, [](double v) { return v; });
    CHECK(each.encode() == one.encode());
    CHECK(each.count() == values.size() - 1 + (preloaded ? 3 : 0));
    CHECK(each.sum() == one.sum());
    CHECK(each.max() == 1e300);
    for (double q : kQuantiles) CHECK(each.quantile(q) == one.quantile(q));
  }
  QuantileSketch empty;
  empty.add_each(std::vector<double>{}, [](double v) { return v; });
  CHECK(empty.count() == 0);
  CHECK(empty.encode() == QuantileSketch().encode());
}

TEST_CASE("merge_encoded equals merging the decoded sketch, and refuses what decode refuses",
          "[stats][sketch]") {
  std::vector<double> values = trace(0, 30000, 5);
  QuantileSketch whole, merged;
  std::vector<std::string> hours;
  for (std::size_t start = 0; start < values.size(); start += 240) {
    QuantileSketch hour;
    for (std::size_t i = start; i < std::min(values.size(), start + 240); ++i) hour.add(values[i]);
    hours.push_back(hour.encode());
  }
  for (double v : values) whole.add(v);
  for (const std::string& bytes : hours) REQUIRE(merged.merge_encoded(bytes));
  CHECK(merged.count() == whole.count());
  CHECK(merged.max() == whole.max());
  CHECK(merged.bucket_count() == whole.bucket_count());
  for (double q : kQuantiles) CHECK(merged.quantile(q) == whole.quantile(q));
  CHECK(merged.mean() == Approx(whole.mean()).epsilon(1e-12));

  // A failed merge leaves the sketch as it was.
  std::string before = merged.encode();
  QuantileSketch coarse(0.02);
  coarse.add(1.0);
  CHECK_FALSE(merged.merge_encoded(coarse.encode()));
  CHECK_FALSE(merged.merge_encoded(hours[0].substr(0, hours[0].size() - 1)));
  CHECK_FALSE(merged.merge_encoded(""));
  CHECK_FALSE(merged.merge_encoded(hours[0] + "x"));
  CHECK(merged.encode() == before);
}

// Quantized usage (a VM's CPU in steps of its clock): few distinct values, many ties.
std::vector<double> quantized(std::size_t size, int levels, unsigned seed) {
  std::mt19937_64 random(seed);
  std::geometric_distribution<int> level(0.05);
  std::vector<double> values;
  for (std::size_t i = 0; i < size; ++i) {
    values.push_back(i % 11 == 0 ? 0.0 : 0.012 * (1 + level(random) % levels));
  }
  return values;
}

TEST_CASE("up to kExactValues distinct values, quantiles are numpy's linear percentiles",
          "[stats][sketch]") {
  std::vector<double> values = quantized(20000, 300, 17);
  QuantileSketch sketch, each, merged, part;
  for (std::size_t i = 0; i < values.size(); ++i) {
    sketch.add(values[i]);
    part.add(values[i]);
    if (i % 500 == 499) {
      REQUIRE(merged.merge(part));
      part = QuantileSketch();
    }
  }
  each.add_each(values, [](double v) { return v; });
  CHECK(sketch.exact());
  CHECK(each.exact());
  CHECK(merged.exact());
  std::vector<double> expected = numpy_lower(values, "linear");
  for (std::size_t i = 0; i < kQuantiles.size(); ++i) {
    INFO("q " << kQuantiles[i]);
    CHECK(sketch.quantile(kQuantiles[i]) == expected[i]);
    CHECK(each.quantile(kQuantiles[i]) == expected[i]);
    CHECK(merged.quantile(kQuantiles[i]) == expected[i]);
  }
  // Each value, its count, and a range of one value: a replay compares ties exactly.
  std::map<double, std::uint64_t> counted;
  for (double v : values) ++counted[v];
  std::vector<std::pair<double, std::uint64_t>> visited, ranges;
  sketch.for_each_bucket([&](double v, std::uint64_t count) { visited.emplace_back(v, count); });
  sketch.for_each_bucket_range([&](double low, double high, std::uint64_t count) {
    CHECK(low == high);
    ranges.emplace_back(high, count);
  });
  std::vector<std::pair<double, std::uint64_t>> truth(counted.begin(), counted.end());
  CHECK(visited == truth);
  CHECK(ranges == truth);
  CHECK(sketch.bucket_count() == truth.size());
  // The binary form and the decay grid are the buckets the values fill.
  auto bucketed = QuantileSketch::decode(QuantileSketch().encode());
  REQUIRE(bucketed);
  for (double v : values) bucketed->add(v);
  CHECK(sketch.encode() == bucketed->encode());
  std::vector<std::pair<int, std::uint64_t>> grid, bucket_grid;
  sketch.for_each_indexed_bucket([&](int index, std::uint64_t n) { grid.emplace_back(index, n); });
  bucketed->for_each_indexed_bucket(
      [&](int index, std::uint64_t n) { bucket_grid.emplace_back(index, n); });
  CHECK(grid == bucket_grid);
}

TEST_CASE("past kExactValues distinct values, or merged with buckets, a sketch is bucketed",
          "[stats][sketch]") {
  QuantileSketch growing;
  for (std::size_t i = 0; i < QuantileSketch::kExactValues; ++i) growing.add(1.0 + 0.001 * i);
  CHECK(growing.exact());
  growing.add(1.0 + 0.001 * QuantileSketch::kExactValues);
  CHECK_FALSE(growing.exact());
  CHECK(growing.count() == QuantileSketch::kExactValues + 1);
  CHECK(growing.max() == 1.0 + 0.001 * QuantileSketch::kExactValues);

  // Two exact halves whose union is too many values; an exact one merged into buckets.
  std::vector<double> values = trace(0, 2000, 9);  // about 940 positive values a half
  QuantileSketch first, second, whole;
  for (std::size_t i = 0; i < values.size(); ++i) (i % 2 ? first : second).add(values[i]);
  CHECK(first.exact());
  CHECK(second.exact());
  REQUIRE(first.merge(second));
  CHECK_FALSE(first.exact());
  auto bucketed = QuantileSketch::decode(QuantileSketch().encode());
  REQUIRE(bucketed);
  REQUIRE(bucketed->merge(second));
  CHECK_FALSE(bucketed->exact());
  std::vector<double> expected = numpy_lower(values);
  for (std::size_t i = 0; i < kQuantiles.size(); ++i) {
    double estimate = first.quantile(kQuantiles[i]);
    CHECK(std::fabs(estimate - expected[i]) <= 0.01 * std::fabs(expected[i]) + 1e-12);
  }
  for (double v : values) whole.add(v);
  std::vector<std::pair<double, std::uint64_t>> merged_buckets, whole_buckets;
  first.for_each_bucket([&](double v, std::uint64_t n) { merged_buckets.emplace_back(v, n); });
  whole.for_each_bucket([&](double v, std::uint64_t n) { whole_buckets.emplace_back(v, n); });
  CHECK(merged_buckets == whole_buckets);
}

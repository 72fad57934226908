// The quantile sketch against numpy on long traces, merging, and its binary form.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "podfit/stats/sketch.hpp"
#include "support/support.hpp"

using podfit::stats::QuantileSketch;

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

// numpy's percentiles of the rank the sketch promises (method="lower").
std::vector<double> numpy_lower(const std::vector<double>& values) {
  podfit::test::TempDir dir;
  std::ostringstream text;
  text.precision(17);
  for (double v : values) text << v << '\n';
  podfit::test::write_file(dir / "values.txt", text.str());
  std::ostringstream script;
  script << "import numpy as np, sys\n"
         << "v = np.loadtxt(sys.argv[1])\n"
         << "for q in [0, 1, 10, 50, 90, 95, 99, 99.9, 100]:\n"
         << "    print(repr(float(np.percentile(v, q, method='lower'))))\n";
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

TEST_CASE("sketch encodes and decodes exactly; corrupt bytes are refused", "[stats][sketch]") {
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

// PodMetricsList has two readers: kube's (exact quantity text, for `top` and `collect`)
// and source's (samples, for everything else). On every line of the recorded fixtures
// they must see the same pods, containers, times and values.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "podfit/core/time.hpp"
#include "podfit/kube/metrics.hpp"
#include "podfit/quantity/quantity.hpp"
#include "podfit/source/recorded.hpp"
#include "support/support.hpp"

using namespace podfit;

TEST_CASE("the two PodMetricsList readers agree on the recorded fixtures", "[source][kube]") {
  std::string path = test::source_dir() + "/fixtures/sample-app/samples.jsonl";
  std::ifstream in(path);
  REQUIRE(in);
  std::string line;
  std::size_t lines = 0, points = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    auto pods = kube::parse_pod_metrics_list(line, path);
    REQUIRE(pods);
    SampleSet samples;
    std::istringstream one(line);
    source::ReadSummary read = source::read_recorded(one, path, samples);
    REQUIRE(read.skipped == 0);
    samples.finalize();
    std::size_t expected_points = 0;
    for (const kube::PodUsage& pod : *pods) {
      std::int64_t time = parse_rfc3339_ns(pod.timestamp).value();
      for (const kube::ContainerUsage& container : pod.containers) {
        ++expected_points;
        INFO(pod.namespace_name << "/" << pod.name << " " << container.name);
        const ContainerSeries* found = nullptr;
        for (const ContainerSeries& series : samples.series()) {
          const PodRecord& record = samples.pods()[series.pod];
          if (record.namespace_name == pod.namespace_name && record.name == pod.name &&
              series.container == container.name) {
            found = &series;
          }
        }
        REQUIRE(found != nullptr);
        REQUIRE(found->points.size() == 1);
        CHECK(found->points[0].time_ns == time);
        CHECK(found->points[0].cpu_cores == Approx(quantity::parse(container.cpu)->value()));
        CHECK(found->points[0].memory_bytes == quantity::parse(container.memory)->value());
      }
    }
    CHECK(samples.point_count() == expected_points);
    points += expected_points;
  }
  CHECK(lines > 400);
  CHECK(points > 1000);
}

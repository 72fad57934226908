// The committed recording of the sample app loads as an independent reader
// (Python's json module) sees it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "podfit/source/recorded.hpp"
#include "support/support.hpp"

namespace podfit::source {

TEST_CASE("the sample-app fixture loads with the expected counts", "[source]") {
  std::string fixture = test::source_dir() + "/fixtures/sample-app/samples.jsonl";
  const char* script = R"PY(
import json, sys
lines = raw = 0
pods, unique = set(), {}
for text in open(sys.argv[1]):
    if not text.strip():
        continue
    lines += 1
    for item in json.loads(text)["items"]:
        pod = (item["metadata"]["namespace"], item["metadata"]["name"])
        pods.add(pod)
        for c in item["containers"]:
            raw += 1
            cpu = int(c["usage"]["cpu"].rstrip("n")) / 1e9
            memory = int(c["usage"]["memory"].rstrip("Ki")) * 1024
            unique[(pod, c["name"], item["timestamp"])] = (cpu, memory)
series = {key[:2] for key in unique}
print(lines, raw, len(unique), len(pods), len(series))
print(repr(sum(v[0] for v in unique.values())), max(v[1] for v in unique.values()))
for pod in sorted(pods):
    print(pod[1], sum(1 for key in unique if key[0] == pod))
)PY";
  test::TempDir dir;
  test::write_file(dir / "count.py", script);
  auto result =
      test::run_command(test::python() + " " + test::shell_quote((dir / "count.py").string()) +
                        " " + test::shell_quote(fixture));
  REQUIRE(result.exit_code == 0);
  std::istringstream expected(result.out);
  std::size_t lines = 0, raw = 0, unique = 0, pods = 0, series = 0;
  double cpu_sum = 0, memory_max = 0;
  REQUIRE(expected >> lines >> raw >> unique >> pods >> series >> cpu_sum >> memory_max);

  SampleSet samples;
  auto summary = read_recorded_file(fixture, samples);
  REQUIRE(summary.has_value());
  CHECK(summary->warnings.empty());
  CHECK(summary->skipped == 0);
  CHECK(summary->lines == lines);
  CHECK(summary->points == raw);
  samples.finalize();
  CHECK(samples.point_count() == unique);
  CHECK(samples.duplicates_dropped() == raw - unique);
  CHECK(raw > unique);  // the recording has a repeated poll
  CHECK(samples.pods().size() == pods);
  CHECK(samples.series().size() == series);

  double our_cpu_sum = 0, our_memory_max = 0;
  std::map<std::string, std::size_t> points_per_pod;
  for (const ContainerSeries& s : samples.series()) {
    points_per_pod[samples.pods()[s.pod].name] += s.points.size();
    for (const SamplePoint& point : s.points) {
      our_cpu_sum += point.cpu_cores;
      our_memory_max = std::max(our_memory_max, point.memory_bytes);
    }
  }
  CHECK(our_cpu_sum == Approx(cpu_sum).epsilon(1e-12));
  CHECK(our_memory_max == memory_max);
  std::string pod;
  std::size_t count = 0;
  while (expected >> pod >> count) {
    INFO(pod);
    CHECK(points_per_pod[pod] == count);
  }
  CHECK(points_per_pod.size() == 3);
  CHECK(samples.pods().at(0).labels.at("app.kubernetes.io/name") == "sample-app-node-api");
}

TEST_CASE("gen_trace.py is deterministic", "[source]") {
  test::TempDir dir;
  std::string tool =
      test::python() + " " + test::shell_quote(test::source_dir() + "/tools/gen_trace.py");
  std::string args =
      " --families steady,bursty,leak,jvm,startup,batch,step,diurnal --workloads 8"
      " --pods-per-workload 2 --containers 2 --restarts 1 --duration 30m --seed 5";
  auto first = test::run_command(tool + args);
  auto second = test::run_command(tool + args);
  auto other_seed = test::run_command(tool + args + " --seed 6");
  REQUIRE(first.exit_code == 0);
  CHECK(first.out == second.out);
  CHECK(first.out != other_seed.out);

  // 8 workloads x 2 pod slots, each replaced once: 32 pods, 2 containers each.
  test::write_file(dir / "trace.jsonl", first.out);
  SampleSet samples;
  auto summary = read_recorded_file((dir / "trace.jsonl").string(), samples);
  REQUIRE(summary.has_value());
  CHECK(summary->skipped == 0);
  CHECK(summary->lines == 120);  // 30 minutes every 15 s
  CHECK(samples.pods().size() == 32);
  CHECK(samples.series().size() == 2 * samples.pods().size());
  CHECK(summary->points == 120 * 16 * 2);  // every slot reports once per poll
}

}  // namespace podfit::source

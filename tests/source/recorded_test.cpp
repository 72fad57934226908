#include "podfit/source/recorded.hpp"

#include "podfit/core/time.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>

#include "source/usage_value.hpp"
#include "support/support.hpp"

namespace podfit::source {
namespace {

// One PodMetrics item; `usage` is the JSON of its containers array.
std::string pod_item(const std::string& name, const std::string& timestamp,
                     const std::string& containers, const std::string& labels = "{\"app\":\"a\"}") {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"ns","labels":)" + labels +
         R"(},"timestamp":")" + timestamp + R"(","window":"15.03s","containers":)" + containers +
         "}";
}

std::string list_line(const std::string& items) {
  return R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[)" +
         items + "]}";
}

std::string one_container(const std::string& cpu, const std::string& memory) {
  return R"([{"name":"c","usage":{"cpu":")" + cpu + R"(","memory":")" + memory + R"("}}])";
}

ReadSummary read_text(const std::string& text, SampleSet& samples) {
  std::istringstream in(text);
  return read_recorded(in, "rec.jsonl", samples);
}

}  // namespace

TEST_CASE("usage values in base units", "[source]") {
  CHECK(parse_usage_value("1234567n").value() == 0.001234567);
  CHECK(parse_usage_value("14Mi").value() == 14680064.0);
  CHECK(parse_usage_value("14336Ki").value() == 14680064.0);
  CHECK(parse_usage_value("250m").value() == 0.25);
  CHECK(parse_usage_value("1500u").value() == 0.0015);
  CHECK(parse_usage_value("2").value() == 2.0);
  CHECK(parse_usage_value("0").value() == 0.0);
  CHECK(parse_usage_value("3k").value() == 3000.0);
  CHECK(parse_usage_value("2Gi").value() == 2147483648.0);
  CHECK(parse_usage_value("128M").value() == 128e6);
  SECTION("other forms go through quantity::parse") {
    CHECK(parse_usage_value("1.5Gi").value() == 1610612736.0);
    CHECK(parse_usage_value("0.5").value() == 0.5);
    CHECK(parse_usage_value("1e3").value() == 1000.0);
    CHECK(parse_usage_value("1Ti").value() == 1099511627776.0);
    CHECK(parse_usage_value("12345678901234567890n").value() == Approx(12345678901.23456789));
  }
  SECTION("errors") {
    CHECK_FALSE(parse_usage_value("").has_value());
    CHECK_FALSE(parse_usage_value("abc").has_value());
    CHECK_FALSE(parse_usage_value("12Xi").has_value());
    auto negative = parse_usage_value("-5m");
    REQUIRE_FALSE(negative.has_value());
    CHECK_THAT(negative.error().message, Catch::Contains("negative"));
  }
}

TEST_CASE("RFC 3339 timestamps", "[source]") {
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:00Z").value() == 0);
  CHECK(parse_rfc3339_ns("2024-08-23T10:00:00Z").value() == 1724407200LL * 1'000'000'000);
  CHECK(parse_rfc3339_ns("2024-08-23T10:00:00.5Z").value() == 1724407200'500'000'000LL);
  CHECK(parse_rfc3339_ns("2024-08-23T12:00:00.000000001+02:00").value() ==
        1724407200'000'000'001LL);
  CHECK(parse_rfc3339_ns("1969-12-31T23:59:59Z").value() == -1'000'000'000LL);
  CHECK(parse_rfc3339_ns("2000-02-29t00:00:00z").has_value());

  for (const char* bad :
       {"", "2024-08-23T10:00:00", "2024-08-23 10:00:00Z", "2024-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-08-23T24:00:00Z", "2024-08-23T10:60:00Z", "2024-08-23T10:00:60Z",
        "2024-08-23T10:00:00.Z", "2024-08-23T10:00:00.1234567890Z", "2024-08-23T10:00:00+05:0",
        "2024-08-23T10:00:00+0500", "2024-08-23T10:00:00Zjunk", "2024-8-23T10:00:00Z",
        "3000-01-01T00:00:00Z"}) {
    INFO(bad);
    auto parsed = parse_rfc3339_ns(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(parsed.error().message, Catch::Contains(std::string("\"") + bad + "\""));
  }
}

TEST_CASE("RFC 3339 timestamps agree with Python's datetime", "[source]") {
  // Random dates, fractions of 0-9 digits and offsets; Python computes the same instants.
  std::mt19937 random(20240823);
  auto pick = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  std::vector<std::string> stamps;
  for (int i = 0; i < 300; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", pick(1700, 2250), pick(1, 12),
                  pick(1, 28), pick(0, 23), pick(0, 59), pick(0, 59));
    std::string stamp = text;
    if (int digits = pick(0, 9); digits > 0) {
      stamp += '.';
      for (int d = 0; d < digits; ++d) stamp += static_cast<char>('0' + pick(0, 9));
    }
    if (pick(0, 2) == 0) {
      stamp += 'Z';
    } else {
      std::snprintf(text, sizeof text, "%c%02d:%02d", pick(0, 1) ? '+' : '-', pick(0, 14),
                    pick(0, 59));
      stamp += text;
    }
    stamps.push_back(stamp);
  }
  test::TempDir dir;
  std::string input;
  for (const auto& stamp : stamps) input += stamp + "\n";
  test::write_file(dir / "stamps.txt", input);
  const char* script = R"PY(
import datetime, re, sys
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
for line in open(sys.argv[1]):
    m = re.match(r"(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", line.strip())
    when = datetime.datetime.fromisoformat(m[1] + ("+00:00" if m[3] == "Z" else m[3]))
    seconds = (when - epoch) // datetime.timedelta(seconds=1)
    print(seconds * 10**9 + int((m[2] or "").ljust(9, "0")))
)PY";
  test::write_file(dir / "stamps.py", script);
  auto result =
      test::run_command(test::python() + " " + test::shell_quote((dir / "stamps.py").string()) +
                        " " + test::shell_quote((dir / "stamps.txt").string()));
  REQUIRE(result.exit_code == 0);
  std::istringstream expected(result.out);
  for (const auto& stamp : stamps) {
    long long want = 0;
    REQUIRE(expected >> want);
    INFO(stamp);
    auto parsed = parse_rfc3339_ns(stamp);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == want);
  }
}

TEST_CASE("Go durations", "[source]") {
  CHECK(parse_go_duration_seconds("15.03s").value() == 15.03);
  CHECK(parse_go_duration_seconds("1m0s").value() == 60.0);
  CHECK(parse_go_duration_seconds("500ms").value() == 0.5);
  CHECK(parse_go_duration_seconds("1h2m3.5s").value() == 3723.5);
  CHECK(parse_go_duration_seconds("2us").value() == 2e-6);
  CHECK(parse_go_duration_seconds("2\xC2\xB5s").value() == 2e-6);  // micro sign
  CHECK(parse_go_duration_seconds("2\xCE\xBCs").value() == 2e-6);  // Greek mu
  CHECK(parse_go_duration_seconds("10ns").value() == 1e-8);
  CHECK(parse_go_duration_seconds("0").value() == 0.0);
  CHECK(parse_go_duration_seconds("-1.5h").value() == -5400.0);
  CHECK(parse_go_duration_seconds(".5s").value() == 0.5);
  CHECK(parse_go_duration_seconds("1.5m").value() == 90.0);
  for (const char* bad : {"", "1", "1.5", "s", ".s", "1x", "15.03", "1h-2m", "-", "1s2"}) {
    INFO(bad);
    auto parsed = parse_go_duration_seconds(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(parsed.error().message, Catch::Contains("duration"));
  }
}

TEST_CASE("read_recorded reads lists and single PodMetrics", "[source]") {
  std::string text =
      list_line(pod_item("web-0", "2024-08-23T10:00:00Z", one_container("1234567n", "14Mi")) + "," +
                pod_item("web-1", "2024-08-23T10:00:01Z",
                         R"([{"name":"a","usage":{"cpu":"250m","memory":"1Gi"}},)"
                         R"({"name":"b","usage":{"memory":"2048Ki","cpu":"0"}}])")) +
      "\n\n   \t\n" + R"({"kind":"PodMetrics","window":"1m0s","containers":)" +
      one_container("2", "100") +
      R"(,"timestamp":"2024-08-23T10:00:15.5Z","metadata":{"namespace":"ns","name":"web-0","labels":{"app":"b","v":"2"}}})" +
      "\r\n";
  SampleSet samples;
  ReadSummary summary = read_text(text, samples);
  CHECK(summary.lines == 2);
  CHECK(summary.points == 4);
  CHECK(summary.skipped == 0);
  CHECK(summary.warnings.empty());

  REQUIRE(samples.pods().size() == 2);
  CHECK(samples.pods()[0].name == "web-0");
  CHECK(samples.pods()[0].namespace_name == "ns");
  CHECK(samples.pods()[0].labels == Labels{{"app", "b"}, {"v", "2"}});  // the later labels
  CHECK(samples.pods()[1].labels == Labels{{"app", "a"}});
  REQUIRE(samples.series().size() == 3);
  const ContainerSeries& web0 = samples.series()[0];
  CHECK(web0.container == "c");
  CHECK(web0.first_window_seconds == 15.03);
  REQUIRE(web0.points.size() == 2);
  CHECK(web0.points[0].time_ns == 1724407200LL * 1'000'000'000);
  CHECK(web0.points[0].cpu_cores == 0.001234567);
  CHECK(web0.points[0].memory_bytes == 14680064.0);
  CHECK(web0.points[1].time_ns == 1724407215'500'000'000LL);
  CHECK(web0.points[1].cpu_cores == 2.0);
  CHECK(web0.points[1].memory_bytes == 100.0);
  const ContainerSeries& b = samples.series()[2];
  CHECK(b.container == "b");
  CHECK(b.pod == 1);
  CHECK(b.points.at(0).cpu_cores == 0.0);
  CHECK(b.points.at(0).memory_bytes == 2097152.0);
  CHECK(samples.series()[1].points.at(0).memory_bytes == 1073741824.0);
}

TEST_CASE("malformed lines are reported with file:line and skipped", "[source]") {
  std::string good = list_line(pod_item("p", "2024-08-23T10:00:00Z", one_container("5m", "1Mi")));
  std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"kind":"PodMetricsList","items":[)", "invalid JSON"},
      {list_line(pod_item("p", "yesterday", one_container("5m", "1Mi"))),
       "timestamp \"yesterday\""},
      {list_line(R"({"metadata":{"name":"p","namespace":"ns"},"containers":[]})"),
       "ns/p: timestamp is missing"},
      {list_line(pod_item("p", "2024-08-23T10:00:00Z", one_container("lots", "1Mi"))),
       "ns/p: container \"c\": usage.cpu: "},
      {list_line(pod_item("p", "2024-08-23T10:00:00Z", R"([{"name":"c","usage":{"cpu":"1m"}}])")),
       "usage.memory is missing"},
      {R"({"kind":"PodList","items":[]})", "kind \"PodList\""},
      {R"({"items":[]})", "no \"kind\""},
      {R"({"kind":"PodMetricsList","items":[{"kind":"Pod"}]})", "items[0]: kind \"Pod\""},
      {R"([1,2])", "not a JSON object"},
      {list_line(pod_item("p", "2024-08-23T10:00:00Z", one_container("5m", "1Mi"), R"({"app":3})")),
       "metadata.labels.app: expected a string"},
      {good + " trailing", "invalid JSON"},
  };
  std::string text;
  for (const auto& [line, reason] : cases) text += good + "\n" + line + "\n";
  SampleSet samples;
  ReadSummary summary = read_text(text, samples);
  CHECK(summary.lines == 2 * cases.size());
  CHECK(summary.skipped == cases.size());
  CHECK(summary.points == cases.size());
  REQUIRE(summary.warnings.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string where = "rec.jsonl:" + std::to_string(2 * i + 2) + ": ";
    INFO(summary.warnings[i]);
    CHECK(summary.warnings[i].rfind(where, 0) == 0);
    CHECK_THAT(summary.warnings[i], Catch::Contains(cases[i].second));
  }
  SECTION("a bad item skips its whole line") {
    SampleSet only;
    read_text(list_line(pod_item("ok", "2024-08-23T10:00:00Z", one_container("5m", "1Mi")) + "," +
                        pod_item("bad", "2024-08-23T10:00:00Z", one_container("5m", "x"))),
              only);
    CHECK(only.pods().empty());
    CHECK(only.point_count() == 0);
  }
}

TEST_CASE("only the first 20 warnings are kept, all are counted", "[source]") {
  std::string text;
  for (int i = 0; i < 25; ++i) text += "{not json}\n";
  SampleSet samples;
  ReadSummary summary = read_text(text, samples);
  CHECK(summary.skipped == 25);
  REQUIRE(summary.warnings.size() == 20);
  CHECK(summary.warnings.back().rfind("rec.jsonl:20: ", 0) == 0);
}

TEST_CASE("a repeated poll counts once after finalize", "[source]") {
  std::string line =
      list_line(pod_item("p", "2024-08-23T10:00:15Z", one_container("5m", "1Mi")) + "," +
                pod_item("q", "2024-08-23T10:00:15Z", one_container("7m", "2Mi")));
  std::string earlier =
      list_line(pod_item("p", "2024-08-23T10:00:00Z", one_container("3m", "1Mi")));
  SampleSet samples;
  ReadSummary summary = read_text(line + "\n" + line + "\n" + earlier, samples);  // no final \n
  CHECK(summary.points == 5);
  CHECK(samples.point_count() == 5);
  samples.finalize();
  CHECK(samples.point_count() == 3);
  CHECK(samples.duplicates_dropped() == 2);
  const auto& p = samples.series()[0].points;
  REQUIRE(p.size() == 2);
  CHECK(p[0].cpu_cores == 0.003);  // sorted by time
  CHECK(p[1].cpu_cores == 0.005);
}

TEST_CASE("lines longer than the read buffer", "[source]") {
  std::string items;
  for (int i = 0; i < 12000; ++i) {
    if (i) items += ",";
    items += pod_item("pod-" + std::to_string(i), "2024-08-23T10:00:00Z",
                      one_container(std::to_string(i) + "n", "1Ki"));
  }
  std::string line = list_line(items);
  REQUIRE(line.size() > (2u << 20));
  SampleSet samples;
  ReadSummary summary = read_text(line + "\n" + line + "\n", samples);
  CHECK(summary.points == 24000);
  CHECK(summary.skipped == 0);
  REQUIRE(samples.pods().size() == 12000);
  CHECK(samples.series()[11999].points.at(1).cpu_cores == 11999e-9);
}

TEST_CASE("read_recorded_file: files, standard input, errors", "[source]") {
  test::TempDir dir;
  std::string line = list_line(pod_item("p", "2024-08-23T10:00:00Z", one_container("5m", "1Mi")));
  test::write_file(dir / "a.jsonl", line + "\n{bad\n");
  SampleSet samples;
  auto summary = read_recorded_file((dir / "a.jsonl").string(), samples);
  REQUIRE(summary.has_value());
  CHECK(summary->points == 1);
  REQUIRE(summary->warnings.size() == 1);
  CHECK(summary->warnings[0].rfind((dir / "a.jsonl").string() + ":2: ", 0) == 0);

  SECTION("- reads standard input") {
    std::istringstream fake_stdin(line + "\n");
    auto* saved = std::cin.rdbuf(fake_stdin.rdbuf());
    SampleSet from_stdin;
    auto read = read_recorded_file("-", from_stdin);
    std::cin.rdbuf(saved);
    REQUIRE(read.has_value());
    CHECK(read->points == 1);
    CHECK(from_stdin.pods().at(0).name == "p");
  }
  SECTION("a missing file is an error naming it") {
    std::string missing = (dir / "missing.jsonl").string();
    auto read = read_recorded_file(missing, samples);
    REQUIRE_FALSE(read.has_value());
    CHECK_THAT(read.error().message, Catch::StartsWith(missing + ": "));
  }
  SECTION("a directory is an error naming it") {
    auto read = read_recorded_file(dir.path().string(), samples);
    REQUIRE_FALSE(read.has_value());
    CHECK_THAT(read.error().message, Catch::StartsWith(dir.path().string() + ": "));
  }
}

}  // namespace podfit::source

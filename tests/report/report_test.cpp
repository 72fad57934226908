#include "podfit/report/report.hpp"

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/support.hpp"

namespace podfit::report {
namespace {

constexpr double kMi = 1024.0 * 1024.0;
const char* const kWebReason =
    "cpu request 21m = p95 18.2m x 1.15, \"quoted\"; kept memory limit 64Mi";

// Two containers built by hand: one with a recommendation, one with too little data.
std::vector<policy::Recommendation> sample_recommendations() {
  policy::Recommendation web;
  web.stats.workload = WorkloadRef{"sample", "Deployment", "web"};
  web.stats.container = "app";
  web.stats.pods = 2;
  web.stats.samples = 480;
  web.stats.window_seconds = 7200;
  web.stats.effective_samples = 480;
  web.stats.cpu = stats::Summary{480, 0.012, 0.010, 0.016, 0.0182, 0.030, 0.050, 5.0};
  web.stats.memory =
      stats::Summary{480, 40 * kMi, 40 * kMi, 43 * kMi, 44 * kMi, 44.6 * kMi, 50 * kMi, 1.25};
  web.current.cpu_request = ResourceValue{0.002, "2m"};
  web.current.memory_request = ResourceValue{5 * kMi, "5Mi"};
  web.current.memory_limit = ResourceValue{64 * kMi, "64Mi"};
  web.recommended.cpu_request = ResourceValue{0.021, "21m"};
  web.recommended.cpu_limit = ResourceValue{0.063, "63m"};
  web.recommended.memory_request = ResourceValue{52 * kMi, "52Mi"};
  web.recommended.memory_limit = ResourceValue{64 * kMi, "64Mi"};
  web.has_recommendation = true;
  web.reason = kWebReason;

  policy::Recommendation db;
  db.stats.workload = WorkloadRef{"sample", "StatefulSet", "db"};
  db.stats.container = "postgres";
  db.stats.pods = 1;
  db.stats.samples = 12;
  db.stats.window_seconds = 360;
  db.stats.half_life_seconds = 86400;  // decayed: effective samples below the samples
  db.stats.effective_samples = 7.25;
  db.stats.cpu = stats::Summary{12, 0.1, 0, 0.3, 0.4, 0.5, 0.5, INFINITY};
  db.stats.memory = stats::Summary{12, kMi, kMi, kMi, kMi, kMi, 1.5 * 1024 * kMi, 1536};
  db.current.memory_limit = ResourceValue{1024 * kMi, "1Gi"};
  db.recommended = db.current;
  db.reason = "only 12 samples (need 20)";
  return {web, db};
}

std::string render(Format format, bool color = false) {
  std::ostringstream out;
  write_report(out, sample_recommendations(), ReportOptions{format, color});
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("parse_format names the four formats", "[report]") {
  CHECK(parse_format("table") == Format::table);
  CHECK(parse_format("json") == Format::json);
  CHECK(parse_format("csv") == Format::csv);
  CHECK(parse_format("markdown") == Format::markdown);
  CHECK(parse_format("md") == Format::markdown);
  auto bad = parse_format("xml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "unknown output format \"xml\" (use table, json, csv or markdown)");
}

TEST_CASE("table: aligned columns with current -> recommended", "[report]") {
  const auto lines = lines_of(render(Format::table));
  REQUIRE(lines.size() >= 6);
  const std::vector<std::string> headers = {
      "NAMESPACE", "WORKLOAD", "CONTAINER", "SAMPLES", "CPU P95", "CPU MAX", "BURST",
      "MEM P99",   "MEM MAX",  "CPU REQ",   "CPU LIM", "MEM REQ", "MEM LIM", "CHANGE"};
  const std::vector<std::vector<std::string>> rows = {
      {"sample", "Deployment/web", "app", "480/2h0m", "18.2m", "50m", "5.0x", "44.6Mi", "50Mi",
       "2m -> 21m", "- -> 63m", "5Mi -> 52Mi", "64Mi", "+940%"},
      {"sample", "StatefulSet/db", "postgres", "12/6m eff 7.25", "400m", "500m", "inf", "1Mi",
       "1.5Gi", "-", "-", "-", "1Gi", "no data: only 12 samples (need 20)"}};
  std::vector<std::size_t> columns;
  for (const auto& header : headers) {
    std::size_t at = lines[0].find(header);
    REQUIRE(at != std::string::npos);
    if (!columns.empty()) CHECK(at > columns.back());
    columns.push_back(at);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::string& line = lines[r + 1];
    for (std::size_t c = 0; c < headers.size(); ++c) {
      INFO("row " << r << " column " << headers[c] << ": " << line);
      REQUIRE(line.size() >= columns[c] + rows[r][c].size());
      CHECK(line.substr(columns[c], rows[r][c].size()) == rows[r][c]);
      if (c > 0) CHECK(line.substr(columns[c] - 2, 2) == "  ");
    }
    CHECK(line.back() != ' ');
  }
  CHECK(lines[3].empty());
  CHECK(lines[4] == "Why:");
  CHECK(lines[5] == std::string("  sample Deployment/web app: ") + kWebReason);
  CHECK(lines.size() == 6);  // no footer line for the container without a recommendation
}

TEST_CASE("table: colour only adds ANSI codes", "[report]") {
  const std::string coloured = render(Format::table, true);
  CHECK_THAT(coloured, Catch::Contains("\033[33m5Mi -> 52Mi\033[0m"));
  CHECK_THAT(coloured, Catch::Contains("\033[2mno data"));
  const std::string stripped = std::regex_replace(coloured, std::regex("\033\\[[0-9;]*m"), "");
  CHECK(stripped == render(Format::table));
  CHECK(render(Format::table).find('\033') == std::string::npos);
}

TEST_CASE("json: every field reads back", "[report]") {
  auto document = nlohmann::json::parse(render(Format::json));
  const auto& list = document.at("recommendations");
  REQUIRE(list.size() == 2);
  const auto& web = list[0];
  CHECK(web.at("namespace") == "sample");
  CHECK(web.at("kind") == "Deployment");
  CHECK(web.at("workload") == "web");
  CHECK(web.at("container") == "app");
  CHECK(web.at("samples") == 480);
  CHECK(web.at("window_seconds") == 7200.0);
  CHECK(web.at("effective_samples") == 480.0);
  CHECK(web.at("half_life_seconds") == 0.0);
  CHECK(web.at("cpu").at("p95").get<double>() == 0.0182);
  CHECK(web.at("cpu").at("mean").get<double>() == 0.012);
  CHECK(web.at("cpu").at("burst_ratio").get<double>() == 5.0);
  CHECK(web.at("memory").at("p99").get<double>() == 44.6 * kMi);
  CHECK(web.at("memory").at("max").get<double>() == 50 * kMi);
  CHECK(web.at("current") ==
        nlohmann::json::parse(
            R"({"requests":{"cpu":"2m","memory":"5Mi"},"limits":{"memory":"64Mi"}})"));
  CHECK(
      web.at("recommended") ==
      nlohmann::json::parse(
          R"({"requests":{"cpu":"21m","memory":"52Mi"},"limits":{"cpu":"63m","memory":"64Mi"}})"));
  CHECK(web.at("reason") == kWebReason);
  CHECK(web.at("has_recommendation") == true);

  const auto& db = list[1];
  CHECK(db.at("cpu").at("burst_ratio").is_null());
  CHECK(db.at("memory").at("burst_ratio").get<double>() == 1536);
  CHECK(db.at("current").at("requests") == nlohmann::json::object());
  CHECK(db.at("current").at("limits") == nlohmann::json{{"memory", "1Gi"}});
  CHECK(db.at("has_recommendation") == false);
  CHECK(db.at("reason") == "only 12 samples (need 20)");
  CHECK(db.at("effective_samples") == 7.25);
  CHECK(db.at("half_life_seconds") == 86400.0);

  std::ostringstream empty;
  write_report(empty, {}, ReportOptions{Format::json, false});
  CHECK(nlohmann::json::parse(empty.str()) == nlohmann::json::parse(R"({"recommendations":[]})"));
}

TEST_CASE("csv: RFC 4180, read back by Python's csv module", "[report]") {
  test::TempDir dir;
  test::write_file(dir / "report.csv", render(Format::csv));
  test::write_file(dir / "read.py",
                   "import csv, json, sys\n"
                   "with open(sys.argv[1], newline='') as f:\n"
                   "    print(json.dumps(list(csv.DictReader(f))))\n");
  auto result =
      test::run_command(test::python() + " " + test::shell_quote((dir / "read.py").string()) + " " +
                        test::shell_quote((dir / "report.csv").string()));
  REQUIRE(result.exit_code == 0);
  auto rows = nlohmann::json::parse(result.out);
  REQUIRE(rows.size() == 2);
  const auto& web = rows[0];
  CHECK(web.size() == 7 + 14 + 8 + 4);
  CHECK(web.at("namespace") == "sample");
  CHECK(web.at("kind") == "Deployment");
  CHECK(web.at("workload") == "web");
  CHECK(web.at("container") == "app");
  CHECK(web.at("pods") == "2");
  CHECK(web.at("samples") == "480");
  CHECK(web.at("window_seconds") == "7200");
  CHECK(std::stod(web.at("cpu_p95").get<std::string>()) == 0.0182);
  CHECK(std::stod(web.at("memory_p99").get<std::string>()) == 44.6 * kMi);
  CHECK(web.at("current_cpu_request") == "2m");
  CHECK(web.at("current_cpu_limit") == "");
  CHECK(web.at("recommended_cpu_limit") == "63m");
  CHECK(web.at("recommended_memory_request") == "52Mi");
  CHECK(web.at("has_recommendation") == "true");
  CHECK(web.at("reason") == kWebReason);  // comma and quotes survive
  CHECK(rows[1].at("cpu_burst_ratio") == "inf");
  CHECK(rows[1].at("has_recommendation") == "false");
  CHECK(rows[1].at("recommended_memory_limit") == "1Gi");
  CHECK(web.at("effective_samples") == "480");
  CHECK(web.at("half_life_seconds") == "0");
  CHECK(rows[1].at("effective_samples") == "7.25");
  CHECK(rows[1].at("half_life_seconds") == "86400");
}

TEST_CASE("markdown: a GitHub table and the reasons", "[report]") {
  auto recommendations = sample_recommendations();
  recommendations[0].stats.container = "a|b";
  std::ostringstream out;
  write_report(out, recommendations, ReportOptions{Format::markdown, false});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() >= 7);
  auto unescaped_pipes = [](const std::string& line) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      count += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    return count;
  };
  CHECK(lines[0].rfind("| NAMESPACE | WORKLOAD | CONTAINER | SAMPLES |", 0) == 0);
  CHECK(lines[1] == "|" + [] {
    std::string separators;
    for (int i = 0; i < 14; ++i) separators += " --- |";
    return separators;
  }());
  for (int i = 0; i < 4; ++i) {
    INFO(lines[i]);
    CHECK(unescaped_pipes(lines[i]) == 15);
  }
  CHECK(lines[2] ==
        "| sample | Deployment/web | a\\|b | 480/2h0m | 18.2m | 50m | 5.0x | 44.6Mi | 50Mi | "
        "2m -> 21m | - -> 63m | 5Mi -> 52Mi | 64Mi | +940% |");
  CHECK_THAT(lines[3], Catch::EndsWith("| no data: only 12 samples (need 20) |"));
  CHECK(lines[4].empty());
  CHECK(lines[5] == "**Why:**");
  CHECK(lines[7] == std::string("- sample Deployment/web a|b: ") + kWebReason);
}

}  // namespace
}  // namespace podfit::report

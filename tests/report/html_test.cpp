// The HTML report: its charts on their own (spikes survive downsampling, lines sit on the
// axis), and the whole report in headless Chromium (tests/report/browser_check.py).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "podfit/quantity/quantity.hpp"
#include "report/svg_chart.hpp"
#include "support/support.hpp"

using namespace podfit;
using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

std::string fixture(const std::string& name) {
  return podfit::test::source_dir() + "/fixtures/sample-app/" + name;
}

CommandResult browser_check(const std::string& report, std::size_t sections,
                            const std::string& extra = "") {
  return run_command(podfit::test::python() + " " +
                     shell_quote(podfit::test::source_dir() + "/tests/report/browser_check.py") +
                     " " + shell_quote(report) + " " + std::to_string(sections) + extra);
}

std::size_t recommendations_in(const std::string& json) {
  return nlohmann::json::parse(json)["recommendations"].size();
}

}  // namespace

TEST_CASE("a chart keeps a one-sample spike among a hundred thousand points", "[report]") {
  report::Chart chart;
  chart.unit = report::Unit::cpu;
  chart.envelope = report::Envelope(0, 99999 * 1'000'000'000LL);
  for (int i = 0; i < 100000; ++i) {
    chart.envelope.add(i * 1'000'000'000LL, i == 51234 ? 0.8 : 0.1);
  }
  chart.lines.push_back({0.5, "new limit 500m", "limit"});
  chart.mark_above = 0.5;
  std::string svg = report::svg_chart(chart);
  // The axis: top 0.8 x 1.05 / 4 = 0.21 -> step 0.25, top 1 core; ticks 0 .. 1.
  CHECK(svg.find(">1</text>") != std::string::npos);
  CHECK(svg.find(">250m</text>") != std::string::npos);
  // Plot: y = 22 + 140 x (1 - v): the spike reaches y 50 (its floor: 49 or 50 in doubles).
  std::smatch strokes;
  std::regex stroke(R"(M(\d+) (\d+)V(\d+))");
  int lowest_top = 1000;
  std::string path = svg.substr(svg.find("class=\"usage\""));
  for (auto it = std::sregex_iterator(path.begin(), path.end(), stroke);
       it != std::sregex_iterator(); ++it) {
    lowest_top = std::min(lowest_top, std::stoi((*it)[2]));
  }
  CHECK(lowest_top >= 49);
  CHECK(lowest_top <= 50);
  // One stroke per pixel column, not per point: a few kB.
  CHECK(svg.size() < 8000);
  // The 500m line at y = 22 + 140 x 0.5 = 92, and the spike above it is marked.
  CHECK(svg.find("y1=\"92.00\"") != std::string::npos);
  CHECK(svg.find("<circle class=\"over\"") != std::string::npos);
}

TEST_CASE("a chart marks OOM kills and restarts on its time axis", "[report]") {
  report::Chart chart;
  chart.envelope = report::Envelope(0, 100'000'000'000LL);
  chart.envelope.add(0, 0.1);
  chart.envelope.add(100'000'000'000LL, 0.2);
  chart.marks.push_back({50'000'000'000LL, "OOM kill", "oom"});
  chart.marks.push_back({25'000'000'000LL, "restart", "restart"});
  std::string svg = report::svg_chart(chart);
  // x = 56 + share x 359: 50 % -> 235.50, 25 % -> 145.75; on the plot's bottom, y 162.
  CHECK(svg.find("<path class=\"mark oom\" d=\"M235.50 162.00") != std::string::npos);
  CHECK(svg.find("<path class=\"mark restart\" d=\"M145.75 162.00") != std::string::npos);
  CHECK(svg.find("<title>OOM kill 1970-01-01 00:00</title>") != std::string::npos);
}

TEST_CASE("the summary's totals are the sums of the recommendations", "[report]") {
  CommandResult json =
      podfit_run("recommend -o json --samples " + shell_quote(fixture("samples.jsonl")) + " -f " +
                 shell_quote(fixture("kubernetes")));
  CommandResult html =
      podfit_run("recommend -o html --samples " + shell_quote(fixture("samples.jsonl")) + " -f " +
                 shell_quote(fixture("kubernetes")));
  REQUIRE(json.exit_code == 0);
  REQUIRE(html.exit_code == 0);
  double cpu_now = 0, cpu_new = 0, memory_new = 0;
  std::size_t up = 0;
  const nlohmann::json document = nlohmann::json::parse(json.out);
  for (const auto& r : document["recommendations"]) {
    cpu_now += podfit::quantity::parse(r["current"]["requests"]["cpu"].get<std::string>())->value();
    double next =
        podfit::quantity::parse(r["recommended"]["requests"]["cpu"].get<std::string>())->value();
    cpu_new += next;
    memory_new +=
        podfit::quantity::parse(r["recommended"]["requests"]["memory"].get<std::string>())->value();
    up +=
        next > podfit::quantity::parse(r["current"]["requests"]["cpu"].get<std::string>())->value();
  }
  char expected[256];
  std::snprintf(expected, sizeof expected, "<tr><td>total</td><td>2</td><td>%zu</td>", up);
  CHECK_THAT(html.out, Catch::Contains(expected));
  std::smatch row;
  REQUIRE(
      std::regex_search(html.out, row, std::regex("<tr><td>total</td>((?:<td>[^<]*</td>){10})")));
  std::vector<std::string> cells;
  std::string rest = row[1];
  for (std::smatch cell; std::regex_search(rest, cell, std::regex("<td>([^<]*)</td>"));
       rest = cell.suffix()) {
    cells.push_back(cell[1]);
  }
  REQUIRE(cells.size() == 10);
  CHECK(std::stod(cells[4]) == Approx(cpu_now).margin(0.0005));  // CPU requested
  CHECK(std::stod(cells[6]) == Approx(cpu_new).margin(0.0005));  // CPU recommended
  CHECK(std::stod(cells[9]) == Approx(memory_new / (1024.0 * 1024 * 1024)).margin(0.005));
}

TEST_CASE("unit_text writes the values the axis labels show", "[report]") {
  CHECK(report::unit_text(report::Unit::cpu, 0.25) == "250m");
  CHECK(report::unit_text(report::Unit::cpu, 1.5) == "1.5");
  CHECK(report::unit_text(report::Unit::memory, 64.0 * 1024 * 1024) == "64Mi");
  CHECK(report::unit_text(report::Unit::memory, 1.5 * 1024 * 1024 * 1024) == "1.5Gi");
  CHECK(report::escape_html("<a & \"b\">") == "&lt;a &amp; &quot;b&quot;&gt;");
}

TEST_CASE("recommend and patch write an HTML report that renders in Chromium",
          "[report][browser]") {
  TempDir dir;
  std::string html = (dir / "report.html").string();
  CommandResult json =
      podfit_run("recommend -o json --samples " + shell_quote(fixture("samples.jsonl")) + " -f " +
                 shell_quote(fixture("kubernetes")) + " --html " + shell_quote(html));
  REQUIRE(json.exit_code == 0);
  std::size_t sections = recommendations_in(json.out);
  REQUIRE(sections == 2);
  CommandResult checked = browser_check(html, sections);
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);

  CommandResult patch =
      podfit_run("patch -o html --samples " + shell_quote(fixture("samples.jsonl")) + " -f " +
                 shell_quote(fixture("kubernetes")));
  REQUIRE(patch.exit_code == 0);
  // Each container's own hunk, as the diff gives it.
  CHECK(patch.out.find("<span class=\"add\">+              cpu: 76m</span>") != std::string::npos);
  podfit::test::write_file(dir / "patch.html", patch.out);
  CommandResult patch_checked =
      browser_check((dir / "patch.html").string(), sections,
                    " --screenshot " + shell_quote((dir / "shot.png").string()));
  INFO(patch_checked.out << patch_checked.err);
  CHECK(patch_checked.exit_code == 0);
}

TEST_CASE("backtest -o html renders the replay and the reserve against risk", "[report][browser]") {
  TempDir dir;
  CommandResult html = podfit_run("backtest -o html --compare podfit,vpa,krr --samples " +
                                  shell_quote(fixture("samples.jsonl")));
  REQUIRE(html.exit_code == 0);
  CHECK(html.out.find("idle CPU against CPU over request") != std::string::npos);
  podfit::test::write_file(dir / "backtest.html", html.out);
  CommandResult checked = browser_check((dir / "backtest.html").string(), 2, " --backtest");
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
}

TEST_CASE("recommend --html FILE is written whole or not at all", "[report]") {
  CommandResult missing =
      podfit_run("recommend --samples " + shell_quote(fixture("samples.jsonl")) +
                 " --html /nonexistent-dir/report.html");
  CHECK(missing.exit_code == 4);
  CHECK_THAT(missing.err, Catch::Contains("--html /nonexistent-dir/report.html"));
}

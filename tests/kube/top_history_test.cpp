// podfit top --store: every number checked against numpy over the same JSON Lines
// (tests/kube/top_reference.py), raw and after compaction into sketches.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/support.hpp"

namespace podfit::test {

namespace {

std::string reference_script() {
  return source_dir() + "/tests/kube/top_reference.py";
}

struct Fixture {
  TempDir temp;
  std::string jsonl = (temp / "samples.jsonl").string();
  std::string store = (temp / "podfit.db").string();

  explicit Fixture(int polls = 360) {
    auto made =
        run_command(shell_quote(python()) + " " + shell_quote(reference_script()) + " generate " +
                    shell_quote(jsonl) + " --polls " + std::to_string(polls));
    REQUIRE(made.exit_code == 0);
    auto imported = podfit("store --store " + shell_quote(store) + " import " + shell_quote(jsonl));
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
  }

  CommandResult podfit(const std::string& args) const {
    return run_command(shell_quote(podfit_binary()) + " " + args);
  }

  nlohmann::json expected(const std::string& args) const {
    auto result = run_command(shell_quote(python()) + " " + shell_quote(reference_script()) +
                              " expect " + shell_quote(jsonl) + " " + args);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out)["rows"];
  }
};

std::vector<std::vector<std::string>> table_of(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string word; words >> word;) cells.push_back(word);
    rows.push_back(cells);
  }
  return rows;
}

long number_in(const std::string& cell, const std::string& unit) {
  REQUIRE(cell.size() > unit.size());
  REQUIRE(cell.substr(cell.size() - unit.size()) == unit);
  return std::stol(cell.substr(0, cell.size() - unit.size()));
}

// The reference's row as podfit prints it (no NAMESPACE column when `with_namespace` is off).
std::vector<std::string> printed(const nlohmann::json& row, bool with_namespace, bool containers) {
  std::vector<std::string> cells;
  if (with_namespace) cells.push_back(row[0]);
  cells.push_back(row[1]);
  if (containers) cells.push_back(row[2]);
  auto value = [](const nlohmann::json& cell, const char* unit) {
    return cell.is_null() ? std::string("-") : std::to_string(cell.get<long>()) + unit;
  };
  for (int i = 3; i < 6; ++i) cells.push_back(value(row[i], "m"));
  for (int i = 6; i < 9; ++i) cells.push_back(value(row[i], "Mi"));
  return cells;
}

}  // namespace

TEST_CASE("top --store shows latest, P95 and MAX per pod as numpy computes them", "[top][store]") {
  Fixture fixture;
  auto result = fixture.podfit("top --store " + shell_quote(fixture.store) + " --history 1h");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto rows = table_of(result.out);
  REQUIRE(!rows.empty());
  CHECK(rows[0] == std::vector<std::string>{"NAMESPACE", "NAME", "CPU(cores)", "CPU-P95", "CPU-MAX",
                                            "MEMORY(bytes)", "MEMORY-P95", "MEMORY-MAX"});
  auto expected = fixture.expected("--history 3600");
  // The batch pod stopped after the first hour: not in the last hour.
  REQUIRE(expected.size() == 3);
  REQUIRE(rows.size() == expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(rows[i + 1] == printed(expected[i], true, false));
  }
  // Padded like kubectl: columns start at the same offset on every line.
  std::istringstream lines(result.out);
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  CHECK(header.find("CPU(cores)") == first.find(rows[1][2]));
}

TEST_CASE("top --store --containers -n NS covers the whole history per container", "[top][store]") {
  Fixture fixture;
  auto result = fixture.podfit("top --store " + shell_quote(fixture.store) +
                               " --history 3h --containers -n shop");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto rows = table_of(result.out);
  auto expected = fixture.expected("--history 10800 --containers --namespace shop");
  REQUIRE(expected.size() == 4);  // api (2 containers), batch, web
  REQUIRE(rows.size() == expected.size() + 1);
  CHECK(rows[0][0] == "POD");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(rows[i + 1] == printed(expected[i], false, true));
  }
}

TEST_CASE("top --store filters by -l, sorts by usage and drops headers", "[top][store]") {
  Fixture fixture;
  auto web = fixture.podfit("top --store " + shell_quote(fixture.store) + " -l app=web");
  REQUIRE(web.exit_code == 0);
  auto rows = table_of(web.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1][1] == "web-5fbc96b498-wlm5w");

  auto sorted = fixture.podfit("top --store " + shell_quote(fixture.store) +
                               " --history 1h --sort-by cpu --no-headers");
  REQUIRE(sorted.exit_code == 0);
  rows = table_of(sorted.out);
  REQUIRE(rows.size() == 3);
  auto expected = fixture.expected("--history 3600");
  std::vector<long> latest;
  for (const auto& row : rows) latest.push_back(number_in(row[2], "m"));
  CHECK(std::is_sorted(latest.rbegin(), latest.rend()));
  std::vector<long> reference;
  for (const auto& row : expected) reference.push_back(row[3].get<long>());
  std::sort(reference.rbegin(), reference.rend());
  CHECK(latest == reference);
}

TEST_CASE("top --store reads compacted hours within the sketch's 1 %", "[top][store]") {
  Fixture fixture;
  // The first two hours become sketches; the last hour stays raw.
  auto compacted = fixture.podfit("store --store " + shell_quote(fixture.store) +
                                  " compact --raw-window 30m --now latest");
  INFO(compacted.err);
  REQUIRE(compacted.exit_code == 0);
  auto result =
      fixture.podfit("top --store " + shell_quote(fixture.store) + " --history 3h --containers -A");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto rows = table_of(result.out);
  // A sketch answers a sample value of rank q/100 * (n - 1) rounded down, within 1 %.
  auto expected = fixture.expected("--history 10800 --containers --method lower");
  auto exact = fixture.expected("--history 10800 --containers");
  REQUIRE(rows.size() == expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& row = rows[i + 1];
    const auto& want = expected[i];
    INFO(result.out << "\nrow " << i);
    REQUIRE(row.size() == 9);
    CHECK(row[0] == want[0].get<std::string>());
    CHECK(row[1] == want[1].get<std::string>());
    CHECK(row[2] == want[2].get<std::string>());
    bool only_sketches = want[1] == "batch-28473960-xk2p4";
    if (only_sketches) {
      CHECK(row[3] == "-");  // no raw sample: no current value
      CHECK(row[6] == "-");
    } else {
      CHECK(row[3] == printed(exact[i], true, true)[3]);
      CHECK(row[6] == printed(exact[i], true, true)[6]);
    }
    // P95 within 1 % (+1 unit for the rounding to m and Mi); MAX exact.
    long cpu_p95 = number_in(row[4], "m"), want_cpu = want[4].get<long>();
    long memory_p95 = number_in(row[7], "Mi"), want_memory = want[7].get<long>();
    CHECK(std::abs(cpu_p95 - want_cpu) <= std::lround(0.01 * want_cpu) + 1);
    CHECK(std::abs(memory_p95 - want_memory) <= std::lround(0.01 * want_memory) + 1);
    CHECK(number_in(row[5], "m") == want[5].get<long>());
    CHECK(number_in(row[8], "Mi") == want[8].get<long>());
  }
}

// 2,400 polls: every series but batch's (120) is past the 2,000 points a series is read
// exactly, so it is folded into a sketch as it is read and keeps only its newest point.
TEST_CASE("top --store folds long series as it reads them: latest and MAX exact, P95 within 1 %",
          "[top][store]") {
  Fixture fixture(2400);
  auto result = fixture.podfit("top --store " + shell_quote(fixture.store) +
                               " --history 20h --containers -A");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto rows = table_of(result.out);
  auto expected = fixture.expected("--history 72000 --containers --method lower");
  auto exact = fixture.expected("--history 72000 --containers");
  REQUIRE(rows.size() == expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& row = rows[i + 1];
    const auto& want = expected[i];
    INFO(result.out << "\nrow " << i);
    REQUIRE(row.size() == 9);
    CHECK(row[1] == want[1].get<std::string>());
    CHECK(row[2] == want[2].get<std::string>());
    if (want[1] == "batch-28473960-xk2p4") {  // 120 points: exact, numpy's linear P95
      CHECK(row == printed(exact[i], true, true));
      continue;
    }
    std::vector<std::string> numbers = printed(exact[i], true, true);
    CHECK(row[3] == numbers[3]);  // the newest point, kept as it was folded
    CHECK(row[6] == numbers[6]);
    long cpu_p95 = number_in(row[4], "m"), want_cpu = want[4].get<long>();
    long memory_p95 = number_in(row[7], "Mi"), want_memory = want[7].get<long>();
    CHECK(std::abs(cpu_p95 - want_cpu) <= std::lround(0.01 * want_cpu) + 1);
    CHECK(std::abs(memory_p95 - want_memory) <= std::lround(0.01 * want_memory) + 1);
    CHECK(row[5] == numbers[5]);
    CHECK(row[8] == numbers[8]);
  }
  // Pod lines: the current usage is the sum of the containers' newest points.
  auto pods = fixture.podfit("top --store " + shell_quote(fixture.store) + " --history 20h -A");
  REQUIRE(pods.exit_code == 0);
  auto pod_rows = table_of(pods.out);
  auto pod_exact = fixture.expected("--history 72000");
  REQUIRE(pod_rows.size() == pod_exact.size() + 1);
  for (std::size_t i = 0; i < pod_exact.size(); ++i) {
    INFO(pods.out << "\npod row " << i);
    std::vector<std::string> numbers = printed(pod_exact[i], true, false);
    CHECK(pod_rows[i + 1][1] == numbers[1]);
    CHECK(pod_rows[i + 1][2] == numbers[2]);
    CHECK(pod_rows[i + 1][5] == numbers[5]);
  }
}

TEST_CASE("top --store fails clearly on an empty window, an empty or missing store",
          "[top][store]") {
  Fixture fixture;
  auto none = fixture.podfit("top --store " + shell_quote(fixture.store) + " -n nosuch");
  CHECK(none.exit_code == 4);
  CHECK(none.err.find("no samples of pods in namespace \"nosuch\" in the 24h up to "
                      "2024-08-23T12:59:31Z") != std::string::npos);
  CHECK(none.out.empty());

  auto selector = fixture.podfit("top --store " + shell_quote(fixture.store) + " -l app=nothing");
  CHECK(selector.exit_code == 4);
  CHECK(selector.err.find("matching -l app=nothing") != std::string::npos);

  std::string missing = (fixture.temp / "missing.db").string();
  auto absent = fixture.podfit("top --store " + shell_quote(missing));
  CHECK(absent.exit_code == 4);
  CHECK(absent.err.find(missing) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(missing));  // read-only: never created

  write_file(fixture.temp / "empty.jsonl", "");
  std::string empty = (fixture.temp / "empty.db").string();
  fixture.podfit("store --store " + shell_quote(empty) + " import " +
                 shell_quote((fixture.temp / "empty.jsonl").string()));
  if (std::filesystem::exists(empty)) {
    auto nothing = fixture.podfit("top --store " + shell_quote(empty));
    CHECK(nothing.exit_code == 4);
    CHECK(nothing.err.find("holds no samples yet") != std::string::npos);
  }

  CHECK(fixture.podfit("top --store " + shell_quote(fixture.store) + " --history soon").exit_code ==
        2);
  CHECK(fixture.podfit("top --history 1h").exit_code == 2);  // --history needs --store
}

}  // namespace podfit::test

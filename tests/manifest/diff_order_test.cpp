// unified_diff writes each run of changed lines removed-first, as git does, and the
// diff still applies (git apply) to give the new text.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>
#include <string>

#include "podfit/manifest/editor.hpp"
#include "support/support.hpp"

using namespace podfit;

namespace {

std::string random_text(std::mt19937& random, int lines) {
  std::string text;
  std::uniform_int_distribution<int> pick(0, 5);
  for (int i = 0; i < lines; ++i) text += std::string("line ") + char('a' + pick(random)) + "\n";
  return text;
}

}  // namespace

TEST_CASE("diff hunks put removed lines before added ones and apply", "[manifest][diff]") {
  std::mt19937 random(3);
  test::TempDir dir;
  int checked_runs = 0;
  std::uniform_int_distribution<int> length(1, 16);
  for (int round = 0; round < 60; ++round) {
    std::string before = random_text(random, length(random));
    std::string after = random_text(random, length(random));
    if (before == after) continue;
    std::string diff = manifest::unified_diff("f.txt", before, after, false);
    std::istringstream lines(diff);
    std::string line, previous;
    while (std::getline(lines, line)) {
      bool added_then_removed = !previous.empty() && previous[0] == '+' &&
                                previous.rfind("+++", 0) != 0 && !line.empty() && line[0] == '-' &&
                                line.rfind("---", 0) != 0;
      INFO(diff);
      CHECK_FALSE(added_then_removed);
      if (!line.empty() && line[0] == '-' && line.rfind("---", 0) != 0) ++checked_runs;
      previous = line;
    }
    test::write_file(dir / "f.txt", before);
    test::write_file(dir / "p.diff", diff);
    auto applied = test::run_command("cd " + test::shell_quote(dir.path().string()) +
                                     " && git apply --unsafe-paths p.diff");
    INFO(diff << applied.err);
    REQUIRE(applied.exit_code == 0);
    CHECK(test::read_file(dir / "f.txt") == after);
  }
  CHECK(checked_runs > 40);
}

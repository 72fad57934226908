// unified_diff: exact output for small cases, and patches that git apply and
// patch(1) turn back into the new text.
#include <string>

#include <catch2/catch.hpp>

#include "manifest/golden_cases.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"
#include "support/support.hpp"

namespace podfit::manifest::test {
namespace {

using podfit::test::read_file;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;
using podfit::test::write_file;

const std::string kHeader = "diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n";

TEST_CASE("unified_diff merges changes up to six lines apart into one hunk", "[manifest]") {
  std::string before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
  std::string after = "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\n";
  CHECK(unified_diff("x.yaml", before, after, false) ==
        kHeader + "@@ -1,10 +1,10 @@\n a\n-b\n+B\n c\n d\n e\n f\n g\n h\n-i\n+I\n j\n");
}

TEST_CASE("unified_diff splits hunks seven lines apart", "[manifest]") {
  std::string before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
  std::string after = "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk\nl\n";
  CHECK(unified_diff("x.yaml", before, after, false) ==
        kHeader + "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n" +
            "@@ -7,6 +7,6 @@\n g\n h\n i\n-j\n+J\n k\n l\n");
}

TEST_CASE("unified_diff counts insertions and deletions in the hunk header", "[manifest]") {
  CHECK(unified_diff("x.yaml", "a\nb\n", "a\nb\nc\nd\n", false) ==
        kHeader + "@@ -1,2 +1,4 @@\n a\n b\n+c\n+d\n");
  CHECK(unified_diff("x.yaml", "a\nb\nc\n", "a\nc\n", false) ==
        kHeader + "@@ -1,3 +1,2 @@\n a\n-b\n c\n");
  CHECK(unified_diff("x.yaml", "", "a\n", false) == kHeader + "@@ -0,0 +1 @@\n+a\n");
}

TEST_CASE("unified_diff marks a last line without newline", "[manifest]") {
  CHECK(unified_diff("x.yaml", "a\nb", "a\nc", false) ==
        kHeader +
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
            "\\ No newline at end of file\n");
  CHECK(unified_diff("x.yaml", "a\nb", "a\nb\n", false) ==
        kHeader + "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
}

TEST_CASE("unified_diff is empty for equal texts and coloured on request", "[manifest]") {
  CHECK(unified_diff("x.yaml", "a\n", "a\n", false).empty());
  std::string coloured = unified_diff("dir/x.yaml", "a\nb\n", "a\nc\n", true);
  CHECK(coloured ==
        "\033[1mdiff --git a/dir/x.yaml b/dir/x.yaml\033[m\n\033[1m--- a/dir/x.yaml\033[m\n"
        "\033[1m+++ b/dir/x.yaml\033[m\n\033[36m@@ -1,2 +1,2 @@\033[m\n a\n"
        "\033[31m-b\033[m\n\033[32m+c\033[m\n");
}

TEST_CASE("diffs of every golden case apply with git apply and patch", "[manifest]") {
  bool have_patch = run_command("command -v patch").exit_code == 0;
  if (!have_patch) WARN("patch(1) not installed; checking git apply only");
  for (const auto& golden : golden_cases()) {
    INFO(golden.name);
    std::string before = read_file(golden.dir + "/input.yaml");
    std::string after = read_file(golden.dir + "/expected.yaml");
    std::string diff = unified_diff("deploy/app.yaml", before, after, false);
    REQUIRE_FALSE(diff.empty());

    TempDir dir;
    std::filesystem::create_directories(dir / "deploy");
    write_file(dir / "change.diff", diff);
    write_file(dir / "deploy" / "app.yaml", before);
    std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
    auto check = run_command(cd + "git apply --check change.diff");
    INFO(check.err);
    REQUIRE(check.exit_code == 0);
    REQUIRE(run_command(cd + "git apply change.diff").exit_code == 0);
    CHECK(read_file(dir / "deploy" / "app.yaml") == after);

    if (!have_patch) continue;
    write_file(dir / "deploy" / "app.yaml", before);
    REQUIRE(run_command(cd + "patch -p1 --dry-run < change.diff").exit_code == 0);
    auto patched = run_command(cd + "patch -p1 < change.diff");
    INFO(patched.out + patched.err);
    REQUIRE(patched.exit_code == 0);
    CHECK(read_file(dir / "deploy" / "app.yaml") == after);
  }
}

}  // namespace
}  // namespace podfit::manifest::test

// Diff paths as git writes them, however -f names the files: `git apply` from the work
// tree's root takes the diff of -f ./k8s, -f ., -f $PWD/k8s and -f ../k8s alike.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "podfit/manifest/editor.hpp"
#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

TEST_CASE("diff paths are relative to the git work tree, whatever -f says", "[cli][diff]") {
  TempDir dir;
  std::string root = std::filesystem::weakly_canonical(dir.path()).string();
  std::filesystem::create_directories(dir / "repo/k8s");
  std::filesystem::create_directories(dir / "repo/tools");
  std::string source = podfit::test::source_dir() + "/fixtures/sample-app/";
  std::filesystem::copy(source + "kubernetes", dir / "repo/k8s");
  std::string samples = shell_quote(source + "samples.jsonl");
  std::string podfit = shell_quote(podfit::test::podfit_binary());
  REQUIRE(run_command("cd " + shell_quote(root + "/repo") + " && git init -q .").exit_code == 0);

  struct Case {
    std::string cwd, path;
  };
  for (const Case& one :
       {Case{"repo", "./k8s"}, Case{"repo/k8s", "."}, Case{"repo", root + "/repo/k8s"},
        Case{"repo/tools", "../k8s"}, Case{"repo", "k8s/../k8s"}}) {
    INFO(one.cwd << " -f " << one.path);
    CommandResult diff =
        run_command("cd " + shell_quote(root + "/" + one.cwd) + " && " + podfit +
                    " patch --samples " + samples + " -f " + shell_quote(one.path));
    INFO(diff.err);
    REQUIRE(diff.exit_code == 0);
    CHECK_THAT(diff.out, Catch::Contains("diff --git a/k8s/02-sample-node-api.deployment.yaml "
                                         "b/k8s/02-sample-node-api.deployment.yaml"));
    podfit::test::write_file(dir / "out.diff", diff.out);
    CommandResult applied = run_command("cd " + shell_quote(root + "/repo") +
                                        " && git apply --check ../out.diff && patch -p1 "
                                        "--dry-run < ../out.diff");
    INFO(applied.out << applied.err);
    CHECK(applied.exit_code == 0);
  }
}

TEST_CASE("outside a work tree, diff paths are relative to the current folder", "[diff]") {
  TempDir dir;
  std::string base = std::filesystem::weakly_canonical(dir.path()).string();
  std::filesystem::create_directories(dir / "a/b");
  REQUIRE_FALSE(std::filesystem::exists(dir / ".git"));
  podfit::test::write_file(dir / "a/b/x.yaml", "kind: Pod\n");
  CHECK(podfit::manifest::diff_path("./b/x.yaml", base + "/a") == "b/x.yaml");
  CHECK(podfit::manifest::diff_path(base + "/a/b/x.yaml", base + "/a") == "b/x.yaml");
  CHECK(podfit::manifest::diff_path("../b/x.yaml", base + "/a/b") == "x.yaml");
  // Outside the current folder: the absolute path (nothing relative would apply).
  std::filesystem::create_directories(dir / "a/b/c");
  CHECK(podfit::manifest::diff_path("../x.yaml", base + "/a/b/c") == base + "/a/b/x.yaml");
  CHECK(podfit::manifest::diff_path("x.yaml", base + "/a/b") == "x.yaml");
}

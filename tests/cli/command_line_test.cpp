// The command line a kubectl user expects: options after the subcommand, kubectl's -R,
// one error format with exit code 2 for every parse error.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

std::string sample_app(const std::string& part) {
  return shell_quote(podfit::test::source_dir() + "/fixtures/sample-app/" + part);
}

}  // namespace

TEST_CASE("store options work after the store subcommand's own subcommand", "[cli]") {
  TempDir dir;
  std::string store = shell_quote((dir / "p.db").string());
  // The README's spelling.
  CommandResult imported =
      podfit_run("store import " + sample_app("samples.jsonl") + " --store " + store);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.err, Catch::Contains("1239 new points"));
  CommandResult info = podfit_run("store info --store " + store);
  REQUIRE(info.exit_code == 0);
  CHECK_THAT(info.out, Catch::Contains("raw samples:    1239"));
}

TEST_CASE("every parse error is podfit: error: ... and exit code 2", "[cli]") {
  for (const std::string& args : {std::string("recommend --bogus"), std::string("frobnicate"),
                                  "patch --write --check --samples " + sample_app("samples.jsonl"),
                                  std::string("top --sort-by")}) {
    INFO(args);
    CommandResult run = podfit_run(args);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err, Catch::StartsWith("podfit: error: "));
  }
  CHECK_THAT(podfit_run("patch --write --check").err, Catch::Contains("--write excludes --check"));
}

TEST_CASE("kubectl's -R flag is accepted", "[cli]") {
  CommandResult with = podfit_run("recommend -o csv -R --samples " + sample_app("samples.jsonl") +
                                  " -f " + sample_app("kubernetes"));
  CommandResult without = podfit_run("recommend -o csv --samples " + sample_app("samples.jsonl") +
                                     " -f " + sample_app("kubernetes"));
  REQUIRE(with.exit_code == 0);
  CHECK(with.out == without.out);
}

TEST_CASE("manifests can be read from standard input (-f -)", "[cli]") {
  std::string manifest = podfit::test::read_file(podfit::test::source_dir() +
                                                 "/fixtures/sample-app/kubernetes/"
                                                 "02-sample-node-api.deployment.yaml");
  std::string podfit = shell_quote(podfit::test::podfit_binary());
  std::string samples = sample_app("samples.jsonl");
  CommandResult from_file = podfit_run("recommend -o csv --samples " + samples + " -f " +
                                       sample_app("kubernetes/02-sample-node-api.deployment.yaml"));
  CommandResult piped = podfit::test::run_command(
      podfit + " recommend -o csv --samples " + samples + " -f -", manifest);
  INFO(piped.err);
  REQUIRE(piped.exit_code == 0);
  CHECK(piped.out == from_file.out);
  CommandResult strategic = podfit::test::run_command(
      podfit + " patch -o strategic --samples " + samples + " -f -", manifest);
  REQUIRE(strategic.exit_code == 0);
  CHECK_THAT(strategic.out, Catch::Contains("# kubectl -n sample patch deployment"));
  CommandResult both = podfit::test::run_command(podfit + " recommend --samples - -f -", manifest);
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Catch::Contains("cannot both read standard input"));
}

TEST_CASE("help output groups the options", "[cli]") {
  CommandResult help = podfit_run("patch --help");
  REQUIRE(help.exit_code == 0);
  std::string last_group;
  std::map<std::string, std::string> group_of;
  std::istringstream lines(help.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == ':' && line[0] != ' ') last_group = line;
    if (line.rfind("  --", 0) == 0 || line.rfind("  -", 0) == 0) {
      std::string name = line.substr(2, line.find_first_of(" ", 2) - 2);
      group_of[name.substr(name.find("--"))] = last_group;
    }
  }
  CHECK(group_of["--samples"] == "Input:");
  CHECK(group_of["--filename"] == "Input:");
  CHECK(group_of["--kubeconfig"] == "Cluster:");
  CHECK(group_of["--namespace"] == "Cluster:");
  CHECK(group_of["--prometheus-ca"] == "Prometheus:");
  CHECK(group_of["--half-life"] == "Policy:");
  CHECK(group_of["--write"] == "Output:");
  CHECK(group_of["--output"] == "Output:");
}

TEST_CASE("the -o flag is an output format, never a file", "[cli]") {
  CommandResult collect = podfit_run("collect -o samples.jsonl --duration 1s");
  CHECK(collect.exit_code == 2);
  CHECK_THAT(collect.err, Catch::StartsWith("podfit: error: "));
  CommandResult recommend =
      podfit_run("recommend -o yaml --samples " + sample_app("samples.jsonl"));
  CHECK(recommend.exit_code == 2);
}

TEST_CASE("a broken kubeconfig is named, its secrets are not printed", "[cli][security]") {
  TempDir dir;
  std::string path = (dir / "config").string();
  podfit::test::write_file(path,
                           "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                           "    server: https://127.0.0.1:1\nusers:\n- name: u\n  user:\n"
                           "    token: my-SECRET-token-0123456789\xff\xfe\n"
                           "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                           "current-context: x\n");
  CommandResult top = podfit_run("top --kubeconfig " + shell_quote(path));
  INFO(top.err);
  CHECK(top.exit_code == 4);
  CHECK_THAT(top.err, Catch::StartsWith("podfit: error: ") && Catch::Contains(path));
  CHECK_THAT(top.out + top.err, !Catch::Contains("SECRET"));
}

TEST_CASE("a password in a server URL is not printed", "[cli][security]") {
  CommandResult prometheus =
      podfit_run("recommend --prometheus http://user:s3cret-pass@127.0.0.1:1 --history 1h");
  CHECK(prometheus.exit_code == 4);
  CHECK_THAT(prometheus.err, Catch::Contains("http://***@127.0.0.1:1"));
  CHECK_THAT(prometheus.out + prometheus.err, !Catch::Contains("s3cret"));

  TempDir dir;
  std::string path = (dir / "config").string();
  podfit::test::write_file(path,
                           "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                           "    server: https://admin:s3cret-pass@127.0.0.1:1\nusers:\n- name: u\n"
                           "  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, "
                           "user: u}\ncurrent-context: x\n");
  CommandResult top = podfit_run("top --request-timeout 2 --kubeconfig " + shell_quote(path));
  INFO(top.err);
  CHECK(top.exit_code == 4);
  CHECK_THAT(top.err, Catch::Contains("https://***@127.0.0.1:1"));
  CHECK_THAT(top.out + top.err, !Catch::Contains("s3cret"));
}

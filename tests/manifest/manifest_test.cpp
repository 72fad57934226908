// Reading manifests: workloads found, selectors, errors with path:line, paths, settings.
#include "podfit/manifest/manifest.hpp"

#include "podfit/manifest/editor.hpp"

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "support/support.hpp"

namespace podfit::manifest {
namespace {

using podfit::test::TempDir;
using podfit::test::write_file;

std::string fixture(const std::string& name) {
  return podfit::test::source_dir() + "/fixtures/manifests/" + name + "/input.yaml";
}

std::string error_of(const Result<ManifestFile>& result) {
  return result ? std::string("no error") : result.error().message;
}

TEST_CASE("load_manifest reads the seed deployment", "[manifest]") {
  auto file = load_manifest(fixture("01-seed-deployment"));
  REQUIRE(file);
  REQUIRE(file->workloads.size() == 1);
  const Workload& workload = file->workloads[0];
  CHECK(workload.ref == WorkloadRef{"sample", "Deployment", "sample-app-node-api-deployment"});
  CHECK(workload.api_version == "apps/v1");
  CHECK(workload.line == 2);
  CHECK(workload.document == 0);
  CHECK(workload.selector.match_labels == Labels{{"app", "sample-app-node-api"}});
  CHECK(workload.template_labels ==
        Labels{{"app", "sample-app-node-api"}, {"app.kubernetes.io/name", "sample-app-node-api"}});
  REQUIRE(workload.containers.size() == 1);
  const ContainerSpec& container = workload.containers[0];
  CHECK(container.name == "sample-app-node-api");
  CHECK(container.line == 21);
  CHECK_FALSE(container.init_container);
  REQUIRE(container.current.cpu_request);
  CHECK(container.current.cpu_request->text == "2m");
  CHECK(container.current.cpu_request->amount == Approx(0.002));
  CHECK(container.current.memory_request->amount == 24.0 * 1024 * 1024);
  CHECK(container.current.cpu_limit->text == "10m");
  CHECK(container.current.memory_limit->text == "48Mi");
}

TEST_CASE("load_manifest finds every workload kind, in Lists too", "[manifest]") {
  auto multi = load_manifest(fixture("10-multi-document"));
  REQUIRE(multi);
  REQUIRE(multi->workloads.size() == 3);  // the Service is skipped
  CHECK(multi->workloads[1].ref.name == "backend");
  CHECK(multi->workloads[1].document == 2);
  CHECK(multi->workloads[1].line == 37);
  CHECK(multi->workloads[2].ref.kind == "Job");
  CHECK(multi->workloads[2].selector.empty());

  auto list = load_manifest(fixture("11-kind-list"));
  REQUIRE(list);
  REQUIRE(list->workloads.size() == 1);
  CHECK(list->workloads[0].ref == WorkloadRef{"", "Deployment", "echo"});
  CHECK(list->workloads[0].line == 11);
  CHECK(list->workloads[0].containers[1].current.cpu_limit->text == "100m");

  auto cron = load_manifest(fixture("12-cronjob"));
  REQUIRE(cron);
  REQUIRE(cron->workloads.size() == 1);
  CHECK(cron->workloads[0].template_labels == Labels{{"app", "nightly-report"}});
  CHECK(cron->workloads[0].containers[0].current.cpu_limit->amount == 4.0);

  auto pod = load_manifest(fixture("14-pod"));
  REQUIRE(pod);
  CHECK(pod->workloads[0].template_labels == Labels{{"app", "debug"}});

  auto quoted = load_manifest(fixture("07-quoted-values"));
  REQUIRE(quoted);
  CHECK(quoted->workloads[0].ref == WorkloadRef{"db", "StatefulSet", "postgres"});
  CHECK(quoted->workloads[0].containers[0].current.cpu_request->text == "250m");
  CHECK(quoted->workloads[0].containers[0].current.memory_request->text == "1Gi");
}

TEST_CASE("load_manifest reads init containers and matchExpressions", "[manifest]") {
  auto file = load_manifest(fixture("13-statefulset-init"));
  REQUIRE(file);
  const Workload& workload = file->workloads.at(0);
  REQUIRE(workload.containers.size() == 3);
  CHECK(workload.containers[0].name == "init-perms");
  CHECK(workload.containers[0].init_container);
  CHECK(workload.containers[0].current.empty());
  CHECK(workload.containers[1].name == "kafka");
  CHECK_FALSE(workload.containers[1].init_container);
  CHECK(workload.containers[1].line == 27);
  const auto& expressions = workload.selector.match_expressions;
  REQUIRE(expressions.size() == 2);
  CHECK(expressions[0].key == "tier");
  CHECK(expressions[0].op == LabelRequirement::Operator::in);
  CHECK(expressions[0].values == std::vector<std::string>{"backend", "data"});
  CHECK(expressions[1].op == LabelRequirement::Operator::does_not_exist);
  CHECK(workload.selector.matches(workload.template_labels));
}

TEST_CASE("marks stay right in later documents and after a byte order mark", "[manifest]") {
  std::string text =
      "\xEF\xBB\xBFkind: ConfigMap\nmetadata: {name: x}\n---\n---\n# pod\n"
      "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n"
      "    resources: {requests: {cpu: 1m}}\n";
  auto file = parse_manifest("bom.yaml", text);
  REQUIRE(file);
  REQUIRE(file->workloads.size() == 1);
  CHECK(file->workloads[0].document == 2);
  CHECK(file->workloads[0].line == 6);
  CHECK(file->workloads[0].containers[0].line == 11);
  Resources target;
  target.cpu_request = ResourceValue{0.002, "2m"};
  auto patched = apply_changes(*file, {{WorkloadRef{"", "Pod", "p"}, "c", target}});
  REQUIRE(patched);
  std::string expected = text;
  expected.replace(expected.find("cpu: 1m"), 7, "cpu: 2m");
  CHECK(*patched == expected);
}

TEST_CASE("manifest errors name the file and line", "[manifest]") {
  SECTION("invalid YAML") {
    auto result = parse_manifest("bad.yaml", "kind: Pod\nmetadata:\n  name: p\n bad: indent\n");
    CHECK_THAT(error_of(result),
               Catch::StartsWith("bad.yaml:4:2:") && Catch::Contains("invalid YAML"));
  }
  SECTION("invalid YAML in a later document") {
    auto result = parse_manifest("bad.yaml", "a: 1\n---\nb: 2\n---\nc: 1\n bad: x\n");
    CHECK_THAT(error_of(result), Catch::StartsWith("bad.yaml:6:"));
  }
  SECTION("Helm template: the line of the first {{") {
    auto result = parse_manifest(
        "chart.yaml", "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  x: {{ y }}\n");
    CHECK_THAT(error_of(result), Catch::StartsWith("chart.yaml:3:") && Catch::Contains("Helm"));
  }
  SECTION("bad quantity") {
    auto result = parse_manifest("q.yaml",
                                 "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                                 "  - name: c\n    resources:\n      limits:\n"
                                 "        memory: 12 apples\n");
    CHECK_THAT(error_of(result), Catch::StartsWith("q.yaml:9:") &&
                                     Catch::Contains("limits.memory") &&
                                     Catch::Contains("12 apples"));
  }
  SECTION("resources that are not a mapping") {
    auto result = parse_manifest("r.yaml",
                                 "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                                 "  - name: c\n    resources: [1]\n");
    CHECK_THAT(error_of(result), Catch::StartsWith("r.yaml:7:"));
  }
  SECTION("container without a name") {
    auto result = parse_manifest(
        "n.yaml", "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: x\n");
    CHECK_THAT(error_of(result), Catch::StartsWith("n.yaml:6:") && Catch::Contains("name"));
  }
  SECTION("unknown selector operator") {
    auto result = parse_manifest("s.yaml",
                                 "kind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n"
                                 "    matchExpressions:\n    - {key: a, operator: Near}\n");
    CHECK_THAT(error_of(result), Catch::StartsWith("s.yaml:7:") && Catch::Contains("Near"));
  }
  SECTION("unreadable file") {
    TempDir dir;
    std::string missing = (dir / "gone.yaml").string();
    CHECK_THAT(error_of(load_manifest(missing)), Catch::StartsWith(missing + ": cannot read"));
  }
}

TEST_CASE("non-workload documents are ignored", "[manifest]") {
  auto file = parse_manifest("svc.yaml",
                             "# empty first\n---\napiVersion: v1\nkind: Service\nmetadata:\n"
                             "  name: s\n---\nkind: Namespace\nmetadata: {name: n}\n---\n- a\n");
  REQUIRE(file);
  CHECK(file->workloads.empty());
}

TEST_CASE("expand_paths walks folders like kubectl apply -f", "[manifest]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "b" / "nested");
  write_file(dir / "b" / "nested" / "z.yml", "a: 1\n");
  write_file(dir / "b" / "a.yaml", "a: 1\n");
  write_file(dir / "b" / "notes.txt", "skip\n");
  write_file(dir / "b" / "c.json", "{}\n");
  write_file(dir / "a.yaml", "a: 1\n");
  write_file(dir / "single.txt", "a: 1\n");

  auto paths = expand_paths({(dir / "b").string(), (dir / "single.txt").string()});
  REQUIRE(paths);
  // kubectl apply -f DIR reads .json too.
  CHECK(*paths == std::vector<std::string>{
                      (dir / "b" / "a.yaml").string(), (dir / "b" / "c.json").string(),
                      (dir / "b" / "nested" / "z.yml").string(), (dir / "single.txt").string()});

  auto missing = expand_paths({(dir / "a.yaml").string(), (dir / "nope").string()});
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::StartsWith((dir / "nope").string() + ":"));
}

TEST_CASE("load_settings_file reads a flat mapping and names bad lines", "[manifest]") {
  TempDir dir;
  write_file(dir / "ok.yaml",
             "# policy\ncpu-percentile: 95\nmemory-headroom: \"1.2\"\nmode: safe\n");
  auto settings = load_settings_file((dir / "ok.yaml").string());
  REQUIRE(settings);
  CHECK(*settings == std::map<std::string, std::string>{
                         {"cpu-percentile", "95"}, {"memory-headroom", "1.2"}, {"mode", "safe"}});

  write_file(dir / "empty.yaml", "# nothing\n");
  auto empty = load_settings_file((dir / "empty.yaml").string());
  REQUIRE(empty);
  CHECK(empty->empty());

  auto error = [&](const std::string& name, const std::string& text) {
    write_file(dir / name, text);
    auto result = load_settings_file((dir / name).string());
    return result ? std::string("no error") : result.error().message;
  };
  std::string base = dir.path().string() + "/";
  CHECK_THAT(error("nested.yaml", "a: 1\nb:\n  c: 2\n"),
             Catch::StartsWith(base + "nested.yaml:3:") && Catch::Contains("'b'"));
  CHECK_THAT(error("list.yaml", "- a\n- b\n"), Catch::StartsWith(base + "list.yaml:1:"));
  CHECK_THAT(error("null.yaml", "a: 1\nb:\n"), Catch::StartsWith(base + "null.yaml:2:"));
  CHECK_THAT(error("broken.yaml", "a: 1\nb: [\n"), Catch::StartsWith(base + "broken.yaml:3:"));
  CHECK_THAT(load_settings_file(base + "missing.yaml").error().message,
             Catch::StartsWith(base + "missing.yaml: cannot read"));
}

TEST_CASE("load_manifests loads many files in path order, errors in place", "[manifest]") {
  TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) {
    std::string name = "p" + std::to_string(i);
    std::string text = "kind: Pod\nmetadata:\n  name: " + name +
                       "\nspec:\n  containers:\n  - name: c\n    resources: {requests: {cpu: " +
                       std::to_string(i + 1) + "m}}\n";
    if (i == 17) text = "kind: Pod\nmetadata:\n  name: x\n bad: indent\n";
    paths.push_back((dir.path() / (name + ".yaml")).string());
    write_file(paths.back(), text);
  }
  paths.push_back((dir.path() / "missing.yaml").string());
  auto files = load_manifests(paths);
  REQUIRE(files.size() == paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    INFO(paths[i]);
    if (i == 17 || i == 40) {
      REQUIRE_FALSE(files[i]);
      CHECK_THAT(files[i].error().message, Catch::StartsWith(paths[i]));
      continue;
    }
    REQUIRE(files[i]);
    CHECK(files[i]->path == paths[i]);
    REQUIRE(files[i]->workloads.size() == 1);
    CHECK(files[i]->workloads[0].ref.name == "p" + std::to_string(i));
    CHECK(files[i]->workloads[0].containers[0].current.cpu_request->text ==
          std::to_string(i + 1) + "m");
  }
  CHECK(load_manifests({}).empty());
}

}  // namespace
}  // namespace podfit::manifest

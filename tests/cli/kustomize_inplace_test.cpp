// patch -k edits, in place and byte-exact, the overlay's inline strategic-merge patches and
// the values of its JSON 6902 ops that set a container's resources; kubectl kustomize
// judges what the overlay then renders.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "cli/kustomize_support.hpp"
#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::read_file;
using podfit::test::recommended;
using podfit::test::render;
using podfit::test::rendered_resources;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;
using podfit::test::write_file;

namespace fs = std::filesystem;

namespace {

// base/ (a Deployment with containers app and proxy), overlays/dev and overlays/prod
// (`files`: its kustomization.yaml and patch files); samples of prod's pods for both
// containers (proxy listed first in each sample, so names, not order, tie them).
std::string make_tree(const TempDir& dir, const std::map<std::string, std::string>& files) {
  for (const char* folder : {"base", "overlays/prod", "overlays/dev"})
    fs::create_directories(dir / folder);
  write_file(dir / "base" / "deployment.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-steady-000
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: app
        image: api:1
        resources:
          requests:
            cpu: 100m
      - name: proxy
        image: proxy:1
        resources:
          limits:
            memory: 64Mi
)");
  write_file(dir / "base" / "kustomization.yaml", "resources:\n- deployment.yaml\n");
  write_file(dir / "overlays" / "dev" / "kustomization.yaml",
             "namespace: dev\nresources:\n- ../../base\n");
  for (const auto& [name, text] : files) write_file(dir / "overlays" / "prod" / name, text);
  std::string samples = (dir / "s.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families steady --workloads 1 --name-prefix prod-api "
                      "--duration 1h --interval 60 --namespace prod --seed 1 | sed "
                      "'s/\"app\":\"prod-api-steady-000\"/\"app\":\"api\"/; "
                      "s/\"containers\":\\[{/\"containers\":[{\"name\":\"proxy\",\"usage\":"
                      "{\"cpu\":\"5000000n\",\"memory\":\"40000Ki\"}},{/' > " +
                      shell_quote(samples))
              .exit_code == 0);
  return samples;
}

std::map<std::string, std::string> folder_files(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().filename() != "out.diff" &&
        entry.path().string().find("/.git/") == std::string::npos) {
      files[fs::relative(entry.path(), folder).string()] = read_file(entry.path());
    }
  }
  return files;
}

// The lines of `after` that differ from `before` (removed or added, by diff -U0), each of
// which must set a resource value or key: every other line keeps its bytes.
std::vector<std::string> changed_lines(const std::string& before, const std::string& after) {
  TempDir scratch;
  write_file(scratch / "a", before);
  write_file(scratch / "b", after);
  CommandResult diff = run_command("diff -U0 " + shell_quote((scratch / "a").string()) + " " +
                                   shell_quote((scratch / "b").string()));
  std::vector<std::string> lines;
  std::istringstream in(diff.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("---", 0) == 0 || line.rfind("+++", 0) == 0 || line.rfind("@@", 0) == 0) {
      continue;
    }
    if (!line.empty() && (line[0] == '-' || line[0] == '+')) lines.push_back(line);
  }
  return lines;
}

bool is_resource_line(const std::string& line) {
  static const std::regex value(
      R"re(^[+-]\s*(- )?"?(cpu|memory|requests|limits|value)"?\s*:.*$)re");
  return std::regex_match(line, value);
}

struct Case {
  std::string name;
  std::map<std::string, std::string> files;  // overlays/prod
  std::set<std::string> edited;              // the files podfit edits there
  bool new_patch = false;                    // podfit-resources.yaml expected
  // An op that sets proxy's memory limit alone: the new patch must leave that to it.
  bool op_sets_proxy_memory_limit = false;
};

// Diff, git apply of it, --write: both give the same files, which render the
// recommendation; dev and the base render and read as before; only resource lines change.
void check_in_place(const Case& c) {
  INFO(c.name);
  TempDir dir;
  std::string samples = shell_quote(make_tree(dir, c.files));
  fs::path prod = dir / "overlays" / "prod";
  std::string dev_before = render(dir / "overlays" / "dev");
  std::string base_before = read_file(dir / "base" / "deployment.yaml");
  auto before = folder_files(prod);
  nlohmann::json wanted = recommended(prod, samples);
  REQUIRE(wanted.size() == 2);
  REQUIRE(rendered_resources(prod) != wanted);  // so the test can fail

  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  std::string podfit = cd + shell_quote(podfit::test::podfit_binary());
  CommandResult diff = run_command(podfit + " patch -k overlays/prod --samples " + samples);
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  // git apply's result, in a copy of the tree.
  TempDir copy;
  fs::copy(dir.path(), copy.path(), fs::copy_options::recursive);
  write_file(copy / "out.diff", diff.out);
  CommandResult applied = run_command("cd " + shell_quote(copy.path().string()) +
                                      " && git init -q . && git apply out.diff");
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);

  CommandResult written =
      run_command(podfit + " patch --write -k overlays/prod --samples " + samples);
  INFO(written.err);
  REQUIRE(written.exit_code == 0);
  CHECK(rendered_resources(prod) == wanted);
  CHECK(rendered_resources(copy / "overlays" / "prod") == wanted);
  CHECK(render(dir / "overlays" / "dev") == dev_before);
  CHECK(read_file(dir / "base" / "deployment.yaml") == base_before);

  auto after = folder_files(prod);
  CHECK(folder_files(copy / "overlays" / "prod") == after);
  CHECK(after.count("podfit-resources.yaml") == (c.new_patch ? 1U : 0U));
  for (const auto& [name, text] : before) {
    INFO(name);
    REQUIRE(after.count(name) == 1);
    if (!c.edited.count(name)) {
      CHECK(after.at(name) == text);
      continue;
    }
    CHECK(after.at(name) != text);
    if (name.ends_with(".json")) {  // still JSON, not only YAML
      CHECK(run_command(podfit::test::python() + " -c 'import json,sys; json.load(sys.stdin)' < " +
                        shell_quote((prod / name).string()))
                .exit_code == 0);
    }
    for (const std::string& line : changed_lines(text, after.at(name))) {
      INFO(line);
      CHECK((is_resource_line(line) ||
             (c.new_patch && name == "kustomization.yaml" &&
              line.find("- path: podfit-resources.yaml") != std::string::npos)));
    }
  }
  if (c.op_sets_proxy_memory_limit) {
    std::string limit = wanted["prod-api-steady-000/proxy"]["limits"]["memory"];
    CHECK_THAT(after.at("kustomization.yaml"), Catch::Contains("value: " + limit + "\n"));
    CommandResult in_new_patch = run_command(
        podfit::test::python() +
        " -c \"import sys,yaml; d = yaml.safe_load(sys.stdin); print([c.get('resources', "
        "{}).get('limits', {}).get('memory') for c in d['spec']['template']['spec']"
        "['containers'] if c['name'] == 'proxy'])\" < " +
        shell_quote((prod / "podfit-resources.yaml").string()));
    CHECK(in_new_patch.out == "[None]\n");
  }
  CommandResult again =
      run_command(podfit + " patch --check -k overlays/prod --samples " + samples);
  CHECK(again.exit_code == 0);  // nothing left to change
}

const char* const kHead = "namePrefix: prod-\nnamespace: prod\nresources:\n- ../../base\n";

}  // namespace

TEST_CASE("patch -k edits an inline strategic-merge patch with a target in place",
          "[cli][kustomize]") {
  check_in_place({"inline strategic merge",
                  {{"kustomization.yaml", std::string(kHead) + R"(# Sizes for prod.
patches:
- target:
    kind: Deployment
    name: api-steady-.*
  patch: |-
    # The name is the target's business here.
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: not-used
    spec:
      template:
        spec:
          containers:
          - name: app
            resources:
              requests: {cpu: "200m", memory: 256Mi}   # a first guess
              limits:
                memory: 1Gi

          - name: proxy
            resources:
              limits:
                cpu: '1'
labels:
- pairs:
    tier: api
)"}},
                  {"kustomization.yaml"}});
}

TEST_CASE("patch -k edits the values of inline JSON 6902 ops in place", "[cli][kustomize]") {
  // A leaf, a section and a whole resources map; container 1 is proxy in the render.
  check_in_place({"inline JSON 6902",
                  {{"kustomization.yaml", std::string(kHead) + R"(patches:
  - target:
      kind: Deployment
      name: api-steady-000
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/resources/requests/cpu
        value: "150m"
      - op: add
        path: /spec/template/spec/containers/0/resources/requests/memory
        value: 300Mi  # measured in March
      - op: add
        path: /spec/template/spec/containers/0/resources/limits
        value:
          memory: 1Gi
      - op: replace
        path: /spec/template/spec/containers/1/image
        value: proxy:2
      - op: add
        path: /spec/template/spec/containers/1/resources
        value: {requests: {cpu: 10m}}
)"}},
                  {"kustomization.yaml"}});
}

TEST_CASE("patch -k edits a patchesJson6902 file in place", "[cli][kustomize]") {
  check_in_place({"patchesJson6902 file",
                  {{"kustomization.yaml", std::string(kHead) + R"(patchesJson6902:
- target:
    group: apps
    version: v1
    kind: Deployment
    name: api-steady-000
  path: sizes.yaml
)"},
                   {"sizes.yaml", R"(# Sizes from the load test.
- op: replace
  path: /spec/template/spec/containers/0/resources/requests
  value:
    cpu: 250m
- op: add
  path: /spec/template/spec/containers/0/resources/limits
  value: {cpu: 500m, memory: "1Gi"}
- op: add
  path: /spec/template/spec/containers/1/resources/requests
  value:
    memory: 32Mi
- op: add
  path: /spec/template/spec/containers/1/resources/limits
  value:
    memory: 128Mi
)"}},
                  {"sizes.yaml"}});
}

TEST_CASE("patch -k edits a JSON 6902 op whose value is a whole resources map",
          "[cli][kustomize]") {
  // A JSON file listed under patches: the edit keeps it JSON.
  check_in_place({"whole resources map",
                  {{"kustomization.yaml", std::string(kHead) + R"(patches:
- path: resources.json
  target:
    kind: Deployment
    name: api-steady-000
)"},
                   {"resources.json", R"([
  {
    "op": "add",
    "path": "/spec/template/spec/containers/0/resources",
    "value": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}}
  },
  {
    "op": "add",
    "path": "/spec/template/spec/containers/1/resources",
    "value": {}
  }
]
)"}},
                  {"resources.json"}});
}

TEST_CASE("patch -k edits an op that sets only a limit and adds the rest in a new patch",
          "[cli][kustomize]") {
  check_in_place({"only a limit",
                  {{"kustomization.yaml", std::string(kHead) + R"(patches:
  - target:
      kind: Deployment
      name: api-steady-000
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/1/resources/limits/memory
        value: 128Mi
)"}},
                  {"kustomization.yaml"},
                  true,
                  true});
}

TEST_CASE("patch -k edits an inline patchesStrategicMerge patch in place", "[cli][kustomize]") {
  check_in_place({"inline patchesStrategicMerge",
                  {{"kustomization.yaml", std::string(kHead) + R"(patchesStrategicMerge:
- |-
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: api-steady-000
  spec:
    template:
      spec:
        containers:
        - name: proxy
          resources:
            limits: {memory: 96Mi}
        - name: app
          resources:
            requests:
              cpu: 300m
)"}},
                  {"kustomization.yaml"}});
}

TEST_CASE("patch -k warns when a patchesJson6902 op it cannot edit still decides",
          "[cli][kustomize]") {
  TempDir dir;
  std::string samples = shell_quote(make_tree(
      dir, {{"kustomization.yaml", std::string(kHead) +
                                       "patchesJson6902:\n- target: {kind: Deployment, name: "
                                       "api-steady-000}\n  path: drop.yaml\n"},
            {"drop.yaml",
             "- op: remove\n  path: /spec/template/spec/containers/0/resources/requests\n"}}));
  CommandResult diff = run_command("cd " + shell_quote(dir.path().string()) + " && " +
                                   shell_quote(podfit::test::podfit_binary()) +
                                   " patch -k overlays/prod --samples " + samples);
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 3);
  CHECK_THAT(diff.err, Catch::Contains("podfit: warning: -k overlays/prod: "
                                       "Deployment/prod-api-steady-000 container app: ") &&
                           Catch::Contains("`op: remove` at /spec/template/spec/containers/0/"
                                           "resources/requests cannot be edited in place"));
  CHECK_THAT(diff.out, Catch::Contains("+++ b/overlays/prod/podfit-resources.yaml"));
}

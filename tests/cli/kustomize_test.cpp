// -k DIR: an overlay's rendered objects (kubectl kustomize) are the manifests, so names
// with namePrefix, the overlay's namespace and the values its patches set are what
// podfit works with; -f over a kustomize tree warns.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/kustomize_support.hpp"
#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_binary;
using podfit::test::podfit_run;
using podfit::test::python;
using podfit::test::recommended;
using podfit::test::render;
using podfit::test::rendered_resources;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;
using podfit::test::write_file;

namespace {

// base/ (a Deployment with a CPU request), overlays/prod (namePrefix, namespace, a patch
// setting only a memory limit) and overlays/dev; prod's pods sampled for an hour.
std::string make_tree(const TempDir& dir) {
  for (const char* folder : {"base", "overlays/prod", "overlays/dev"})
    std::filesystem::create_directories(dir / folder);
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
)");
  write_file(dir / "base" / "kustomization.yaml", "resources:\n- deployment.yaml\n");
  write_file(dir / "overlays" / "prod" / "kustomization.yaml",
             "namePrefix: prod-\nnamespace: prod\nresources:\n- ../../base\npatches:\n"
             "- path: memory.yaml\n");
  write_file(dir / "overlays" / "prod" / "memory.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-steady-000
spec:
  template:
    spec:
      containers:
      - name: app
        resources:
          limits:
            memory: 1Gi
)");
  write_file(dir / "overlays" / "dev" / "kustomization.yaml",
             "namespace: dev\nresources:\n- ../../base\n");
  std::string samples = (dir / "s.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families steady --workloads 1 --name-prefix prod-api "
                      "--duration 1h --interval 60 --namespace prod --seed 1 | sed "
                      "'s/\"app\":\"prod-api-steady-000\"/\"app\":\"api\"/' > " +
                      shell_quote(samples))
              .exit_code == 0);
  return samples;
}

}  // namespace

TEST_CASE("patch -k edits the overlay's own patch, and only that overlay renders differently",
          "[cli][kustomize]") {
  TempDir dir;
  std::string samples = shell_quote(make_tree(dir));
  auto prod = dir / "overlays" / "prod";
  std::string dev_before = render(dir / "overlays" / "dev");
  std::string base_before = podfit::test::read_file(dir / "base" / "deployment.yaml");
  nlohmann::json wanted = recommended(prod, samples);
  REQUIRE(wanted.size() == 1);

  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  std::string podfit = cd + shell_quote(podfit::test::podfit_binary());
  CommandResult diff = run_command(podfit + " patch -k overlays/prod --samples " + samples);
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("# overlays/prod/memory.yaml: the overlay's patch"));
  CHECK(diff.out.find("base/") == std::string::npos);
  write_file(dir / "out.diff", diff.out);
  CHECK(run_command(cd + "git init -q . && git apply --check out.diff").exit_code == 0);

  CommandResult written =
      podfit_run("patch --write -k " + shell_quote(prod.string()) + " --samples " + samples);
  REQUIRE(written.exit_code == 0);
  CHECK(rendered_resources(prod) == wanted);
  CHECK(render(dir / "overlays" / "dev") == dev_before);
  CHECK(podfit::test::read_file(dir / "base" / "deployment.yaml") == base_before);
  CommandResult again =
      podfit_run("patch --check -k " + shell_quote(prod.string()) + " --samples " + samples);
  CHECK(again.exit_code == 0);  // the overlay renders the recommendation now
}

TEST_CASE("patch -k adds a patch file listed last, which decides over an op it cannot edit",
          "[cli][kustomize]") {
  TempDir dir;
  std::string samples = shell_quote(make_tree(dir));
  auto prod = dir / "overlays" / "prod";
  // No patch file: an inline op (with target) removes the base's requests, and a remove
  // has no value to edit.
  const std::string kustomization = R"(namePrefix: prod-
namespace: prod
resources:
  - ../../base
# Environment-specific requests.
patches:
  - target:
      kind: Deployment
      name: api-steady-000
    patch: |-
      - op: remove
        path: /spec/template/spec/containers/0/resources/requests
)";
  write_file(prod / "kustomization.yaml", kustomization);
  std::filesystem::remove(prod / "memory.yaml");
  std::string dev_before = render(dir / "overlays" / "dev");
  nlohmann::json wanted = recommended(prod, samples);
  REQUIRE(wanted.size() == 1);

  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  CommandResult diff = run_command(cd + shell_quote(podfit::test::podfit_binary()) +
                                   " patch -k overlays/prod --samples " + samples);
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("new file mode 100644") &&
                           Catch::Contains("+++ b/overlays/prod/podfit-resources.yaml") &&
                           Catch::Contains("+  - path: podfit-resources.yaml") &&
                           Catch::Contains("`op: remove` at /spec/template/spec/containers/0/"
                                           "resources/requests cannot be edited in place"));
  write_file(dir / "out.diff", diff.out);
  CommandResult applied = run_command(cd + "git init -q . && git apply out.diff");
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  // git apply's result is what kubectl renders, and it renders the recommendation.
  CHECK(rendered_resources(prod) == wanted);
  CHECK(render(dir / "overlays" / "dev") == dev_before);
  std::string listed = podfit::test::read_file(prod / "kustomization.yaml");
  CHECK(listed == kustomization + "  - path: podfit-resources.yaml\n");
}

TEST_CASE("patch -k leaves out a container the overlay does not render", "[cli][kustomize]") {
  TempDir dir;
  std::string samples = make_tree(dir);
  // An injected sidecar beside the app in every sample.
  std::string with_sidecar = (dir / "sidecar.jsonl").string();
  REQUIRE(run_command("sed 's/\"containers\":\\[{/\"containers\":[{\"name\":\"istio-proxy\","
                      "\"usage\":{\"cpu\":\"5000000n\",\"memory\":\"40000Ki\"}},{/' " +
                      shell_quote(samples) + " > " + shell_quote(with_sidecar))
              .exit_code == 0);
  REQUIRE(podfit::test::read_file(with_sidecar).find("istio-proxy") != std::string::npos);
  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  CommandResult diff = run_command(cd + shell_quote(podfit::test::podfit_binary()) +
                                   " patch -k overlays/prod --samples sidecar.jsonl");
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  // Only the app's patch: a patch naming istio-proxy would add that container to the pod.
  CHECK_THAT(diff.out, Catch::Contains("# overlays/prod/memory.yaml: the overlay's patch"));
  CHECK(diff.out.find("- name: istio-proxy") == std::string::npos);
  CHECK_THAT(diff.out,
             Catch::Contains("container istio-proxy: the manifest has no such container"));
}

// The older and rarer spellings: `bases`, `patchesStrategicMerge` (a patch setting only a
// limit), `nameSuffix`, a component shared with another overlay, a base without resources.
TEST_CASE("patch -k over bases, components, nameSuffix and patchesStrategicMerge",
          "[cli][kustomize]") {
  TempDir dir;
  for (const char* folder : {"base", "overlays/prod", "overlays/dev", "components/cpu"})
    std::filesystem::create_directories(dir / folder);
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
)");
  write_file(dir / "base" / "kustomization.yaml", "resources:\n- deployment.yaml\n");
  const std::string component = R"(apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api-steady-000
    spec:
      template:
        spec:
          containers:
          - name: app
            resources:
              requests:
                cpu: 300m
)";
  write_file(dir / "components" / "cpu" / "kustomization.yaml", component);
  write_file(dir / "overlays" / "prod" / "kustomization.yaml",
             "namePrefix: prod-\nnameSuffix: -v2\nnamespace: prod\nbases:\n- ../../base\n"
             "components:\n- ../../components/cpu\npatchesStrategicMerge:\n- memory.yaml\n");
  write_file(dir / "overlays" / "prod" / "memory.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-steady-000
spec:
  template:
    spec:
      containers:
      - name: app
        resources:
          limits:
            memory: 1Gi
)");
  write_file(dir / "overlays" / "dev" / "kustomization.yaml",
             "namespace: dev\nresources:\n- ../../base\ncomponents:\n- ../../components/cpu\n");
  std::string samples = (dir / "s.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + podfit::test::source_dir() +
                      "/tools/gen_trace.py --families steady --workloads 1 --name-prefix prod-api "
                      "--duration 1h --interval 60 --namespace prod --seed 1 | sed "
                      "'s/\"app\":\"prod-api-steady-000\"/\"app\":\"api\"/; "
                      "s/prod-api-steady-000/prod-api-steady-000-v2/g' > " +
                      shell_quote(samples))
              .exit_code == 0);
  auto prod = dir / "overlays" / "prod";
  std::string dev_before = render(dir / "overlays" / "dev");
  nlohmann::json wanted = recommended(prod, shell_quote(samples));
  REQUIRE(wanted.size() == 1);
  REQUIRE(wanted.contains("prod-api-steady-000-v2/app"));
  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  CommandResult written = run_command(cd + shell_quote(podfit::test::podfit_binary()) +
                                      " patch --write -k overlays/prod --samples s.jsonl");
  INFO(written.out << written.err);
  REQUIRE(written.exit_code == 0);
  CHECK_THAT(written.out, Catch::Contains("# overlays/prod/memory.yaml: the overlay's patch"));
  CHECK(rendered_resources(prod) == wanted);
  CHECK(render(dir / "overlays" / "dev") == dev_before);
  CHECK(podfit::test::read_file(dir / "components" / "cpu" / "kustomization.yaml") == component);
}

TEST_CASE("an overlay given with -k brings its rendered names, namespace and current values",
          "[cli][kustomize]") {
  TempDir dir;
  std::string samples = shell_quote(make_tree(dir));
  std::string prod = shell_quote((dir / "overlays" / "prod").string());
  CommandResult run = podfit_run("recommend -o json -k " + prod + " --samples " + samples);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  nlohmann::json report = nlohmann::json::parse(run.out);
  REQUIRE(report["recommendations"].size() == 1);
  const nlohmann::json& entry = report["recommendations"][0];
  CHECK(entry["namespace"] == "prod");
  CHECK(entry["workload"] == "prod-api-steady-000");  // the namePrefix applied
  // What the overlay renders: the base's CPU request, the patch's memory limit (and the
  // request the API server defaults from it).
  CHECK(entry["current"]["requests"]["cpu"] == "100m");
  CHECK(entry["current"]["limits"]["memory"] == "1Gi");
  CHECK(entry["current"]["requests"]["memory"] == "1Gi");

  // The strategic patch names the rendered object, and kubectl applies it to the render.
  CommandResult strategic = podfit_run("patch -o strategic -k " + prod + " --samples " + samples);
  INFO(strategic.err);
  REQUIRE(strategic.exit_code == 0);
  CHECK_THAT(strategic.out,
             Catch::Contains("kubectl -n prod patch deployment prod-api-steady-000"));
  CommandResult both = podfit_run("patch -k " + prod + " -f " + prod + " --samples " + samples);
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Catch::Contains("patch -k edits the overlay's own files"));
}

TEST_CASE("a kustomize tree given with -f warns and points to -k, and -k needs a renderer",
          "[cli][kustomize]") {
  TempDir dir;
  std::string samples = shell_quote(make_tree(dir));
  CommandResult flat =
      podfit_run("recommend -f " + shell_quote(dir.path().string()) + " --samples " + samples);
  CHECK_THAT(flat.err, Catch::Contains("-f reads these kustomization folders file by file") &&
                           Catch::Contains("overlays/prod") && Catch::Contains("use -k DIR"));
  CommandResult no_renderer = run_command(
      "env PATH=/nonexistent " + shell_quote(podfit::test::podfit_binary()) + " recommend -k " +
      shell_quote((dir / "overlays" / "prod").string()) + " --samples " + samples);
  CHECK(no_renderer.exit_code == 4);
  CHECK_THAT(no_renderer.err,
             Catch::Contains("rendering needs kubectl or kustomize on PATH, and neither is"));
  CommandResult not_one =
      podfit_run("recommend -k " + shell_quote(dir.path().string()) + " --samples " + samples);
  CHECK(not_one.exit_code == 4);
  CHECK_THAT(not_one.err, Catch::Contains("no kustomization.yaml"));
}

// A CronJob's init container, as in real trees (podinfo's warm-cache): the new patch must
// name it under initContainers, or the strategic merge would add it to the app containers.
TEST_CASE("patch -k puts an init container's resources under initContainers", "[cli][kustomize]") {
  TempDir dir;
  for (const char* folder : {"base", "overlays/prod"}) {
    std::filesystem::create_directories(dir / folder);
  }
  write_file(dir / "base" / "cronjob.yaml", R"(apiVersion: batch/v1
kind: CronJob
metadata:
  name: warm
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          initContainers:
          - name: prepare
            image: busybox
          containers:
          - name: work
            image: busybox
)");
  write_file(dir / "base" / "kustomization.yaml", "resources:\n- cronjob.yaml\n");
  write_file(dir / "overlays/prod" / "kustomization.yaml",
             "resources:\n- ../../base\nnamespace: prod\n");
  // Five runs: the init container polled once at 30m/10Mi, then the work at 40m..80m.
  std::string samples;
  for (int run = 0; run < 5; ++run) {
    std::string job = "warm-" + std::to_string(28740000 + run * 5);
    std::string pod = job + "-" + std::string(1, "bcdfg"[run]) + "k9p2";
    for (int k = 0; k < 4; ++k) {
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "2024-08-23T11:%02d:%02dZ", run * 5, k * 15);
      std::string container = k == 0
                                  ? R"({"name":"prepare","usage":{"cpu":"30m","memory":"10Mi"}})"
                                  : R"({"name":"work","usage":{"cpu":")" +
                                        std::to_string(40 + run * 10) + R"(m","memory":"12Mi"}})";
      samples += R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},)"
                 R"("items":[{"metadata":{"name":")" +
                 pod +
                 R"(","namespace":"prod","labels":)"
                 R"({"job-name":")" +
                 job + R"("}},"timestamp":")" + stamp + R"(","window":"15s","containers":[)" +
                 container + "]}]}\n";
    }
  }
  write_file(dir / "s.jsonl", samples);
  CommandResult run =
      run_command("cd " + shell_quote(dir.path().string()) + " && " + shell_quote(podfit_binary()) +
                  " patch --write --samples s.jsonl -k overlays/prod");
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CommandResult rendered = run_command(
      "kubectl kustomize " + shell_quote((dir / "overlays/prod").string()) + " | " + python() +
      " -c \"import json,sys,yaml; d = next(yaml.safe_load_all(sys.stdin)); "
      "p = d['spec']['jobTemplate']['spec']['template']['spec']; "
      "print(json.dumps({k: {c['name']: c.get('resources') for c in p[k]} "
      "for k in ('initContainers', 'containers')}))\"");
  REQUIRE(rendered.exit_code == 0);
  const nlohmann::json pod = nlohmann::json::parse(rendered.out);
  REQUIRE(pod["initContainers"].size() == 1);
  REQUIRE(pod["containers"].size() == 1);  // no "prepare" among the app containers
  // The runs' peaks: prepare 30m each, so p90 30m; work 40m..80m, p90 of them 76m.
  CHECK(pod["initContainers"]["prepare"]["requests"]["cpu"] == "30m");
  CHECK(pod["containers"]["work"]["requests"]["cpu"] == "76m");
}

// cpu-limit none where the base sets a CPU limit: removing it from the overlay's patch would
// let the base's through, so the new patch, applied last, sets it to null.
TEST_CASE("patch -k removes a limit the base sets when the policy drops it", "[cli][kustomize]") {
  TempDir dir;
  for (const char* folder : {"base", "overlays/prod", "overlays/dev"}) {
    std::filesystem::create_directories(dir / folder);
  }
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
          limits:
            cpu: "2"
            memory: 1Gi
)");
  write_file(dir / "base" / "kustomization.yaml", "resources:\n- deployment.yaml\n");
  // prod's own patch sets the CPU limit again; dev leaves the base alone.
  write_file(dir / "overlays/prod" / "kustomization.yaml",
             "resources:\n- ../../base\nnamespace: prod\npatches:\n- path: limits.yaml\n");
  write_file(dir / "overlays/prod" / "limits.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-steady-000
spec:
  template:
    spec:
      containers:
      - name: app
        resources:
          limits:
            cpu: "3"
)");
  write_file(dir / "overlays/dev" / "kustomization.yaml", "resources:\n- ../../base\n");
  std::string samples;
  for (int i = 0; i < 30; ++i) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "2024-08-23T10:%02d:00Z", i);
    samples += std::string(R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1",)") +
               R"("metadata":{},"items":[{"metadata":{"name":"api-steady-000-6c7d8f9b5b-x2k9p",)" +
               R"("namespace":"prod","labels":{"app":"api"}},"timestamp":")" + stamp +
               R"(","window":"15s","containers":[{"name":"app","usage":{"cpu":"100m",)" +
               R"("memory":"100Mi"}}]}]})" + "\n";
  }
  write_file(dir / "s.jsonl", samples);
  std::string dev_before = render(dir / "overlays/dev");
  CommandResult run =
      run_command("cd " + shell_quote(dir.path().string()) + " && " + shell_quote(podfit_binary()) +
                  " patch --write --cpu-limit none --samples s.jsonl -k overlays/prod");
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  nlohmann::json prod = rendered_resources(dir / "overlays/prod");
  INFO(prod.dump());
  const nlohmann::json& app = prod["api-steady-000/app"];
  CHECK_FALSE(app["limits"].contains("cpu"));  // neither the base's 2 nor the patch's 3
  CHECK(app["limits"]["memory"] == "200Mi");   // max 100Mi x 2
  CHECK(app["requests"]["cpu"] == "115m");     // 100m x 1.15
  CHECK(render(dir / "overlays/dev") == dev_before);
}

namespace {

// base/ shared by overlays/prod and overlays/dev; overlays/solo lists its own Deployment.
void write_edit_base_tree(const TempDir& dir, const std::string& prod_extra) {
  for (const char* folder : {"base", "overlays/prod", "overlays/dev", "overlays/solo", "mid"}) {
    std::filesystem::create_directories(dir / folder);
  }
  const std::string deployment = R"(apiVersion: apps/v1
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
        image: api:1   # pinned
        resources:
          requests:
            cpu: 1
)";
  write_file(dir / "base" / "deployment.yaml", deployment);
  write_file(dir / "base" / "kustomization.yaml", "resources:\n- deployment.yaml\n");
  write_file(dir / "overlays/prod" / "kustomization.yaml",
             "namePrefix: prod-\nnamespace: prod\nresources:\n" + prod_extra);
  write_file(dir / "overlays/dev" / "kustomization.yaml", "resources:\n- ../../base\n");
  write_file(dir / "overlays/solo" / "deployment.yaml", deployment);
  write_file(dir / "overlays/solo" / "kustomization.yaml",
             "namespace: prod\nnamePrefix: prod-\nresources:\n- deployment.yaml\n");
  std::string samples;
  for (int i = 0; i < 30; ++i) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "2024-08-23T10:%02d:00Z", i);
    samples += std::string(R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1",)") +
               R"("metadata":{},"items":[{"metadata":{"name":"prod-api-steady-000-6c7d8f9b5b-)" +
               R"(x2k9p","namespace":"prod","labels":{"app":"api"}},"timestamp":")" + stamp +
               R"(","window":"15s","containers":[{"name":"app","usage":{"cpu":"100m",)" +
               R"("memory":"100Mi"}}]}]})" + "\n";
  }
  write_file(dir / "s.jsonl", samples);
}

CommandResult patch_overlay(const TempDir& dir, const std::string& args) {
  return run_command("cd " + shell_quote(dir.path().string()) + " && " +
                     shell_quote(podfit_binary()) + " patch --samples s.jsonl " + args);
}

}  // namespace

TEST_CASE("patch -k edits the overlay's own manifest in place when nothing shares it",
          "[cli][kustomize]") {
  TempDir dir;
  write_edit_base_tree(dir, "- ../../base\n");
  CommandResult run = patch_overlay(dir, "--write -k overlays/solo");
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(dir / "overlays/solo" / "podfit-resources.yaml"));
  CHECK_THAT(run.out, Catch::Contains("the overlay's own manifest (no other overlay lists it)"));
  std::string edited = podfit::test::read_file(dir / "overlays/solo" / "deployment.yaml");
  CHECK_THAT(edited, Catch::Contains("        image: api:1   # pinned\n"));
  nlohmann::json solo = rendered_resources(dir / "overlays/solo");
  CHECK(solo["prod-api-steady-000/app"]["requests"]["cpu"] == "115m");
  CHECK(solo["prod-api-steady-000/app"]["limits"]["memory"] == "200Mi");
}

TEST_CASE("patch -k --edit-base writes the base, which every overlay of it renders",
          "[cli][kustomize]") {
  TempDir dir;
  write_edit_base_tree(dir, "- ../../base\n");
  const std::string base_before = podfit::test::read_file(dir / "base" / "deployment.yaml");
  CommandResult diff = patch_overlay(dir, "-k overlays/prod --edit-base");
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("+++ b/base/deployment.yaml"));
  CHECK(diff.out.find("podfit-resources.yaml") == std::string::npos);
  write_file(dir / "out.diff", diff.out);
  REQUIRE(run_command("cd " + shell_quote(dir.path().string()) +
                      " && git init -q . && git apply out.diff")
              .exit_code == 0);
  // Both overlays render the recommendation now: the user asked for the base.
  for (const char* overlay : {"overlays/prod", "overlays/dev"}) {
    INFO(overlay);
    nlohmann::json resources = rendered_resources(dir / overlay);
    const nlohmann::json& app = resources.begin().value();
    CHECK(app["requests"]["cpu"] == "115m");
    CHECK(app["requests"]["memory"] == "115Mi");
  }
  // Only the resources lines of the base changed.
  std::string after = podfit::test::read_file(dir / "base" / "deployment.yaml");
  CHECK_THAT(after,
             Catch::StartsWith(base_before.substr(0, base_before.find("        resources:"))));
}

TEST_CASE("patch -k --edit-base keeps to the overlay where a layer between may override",
          "[cli][kustomize]") {
  TempDir dir;
  write_edit_base_tree(dir, "- ../../mid\n");
  write_file(dir / "mid" / "kustomization.yaml",
             "resources:\n- ../base\npatches:\n- path: replicas.yaml\n");
  write_file(dir / "mid" / "replicas.yaml",
             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-steady-000\n"
             "spec:\n  replicas: 3\n");
  const std::string base_before = podfit::test::read_file(dir / "base" / "deployment.yaml");
  CommandResult run = patch_overlay(dir, "--write -k overlays/prod --edit-base");
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(podfit::test::read_file(dir / "base" / "deployment.yaml") == base_before);
  CHECK_THAT(run.out, Catch::Contains("--edit-base left the base alone: ") &&
                          Catch::Contains("mid/kustomization.yaml has `patches`"));
  CHECK(std::filesystem::exists(dir / "overlays/prod" / "podfit-resources.yaml"));
  nlohmann::json prod = rendered_resources(dir / "overlays/prod");
  CHECK(prod["prod-api-steady-000/app"]["requests"]["cpu"] == "115m");
  // Without -k it is a usage error.
  CHECK(patch_overlay(dir, "-f base --edit-base").exit_code == 2);
}

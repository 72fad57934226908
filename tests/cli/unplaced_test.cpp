// A recommendation no -f manifest can take (an injected sidecar, a workload not under -f)
// is listed after the diff, the diff still applies, and --check counts it.
#include <catch2/catch.hpp>

#include <string>

#include "support/support.hpp"

using podfit::test::CommandResult;
using podfit::test::podfit_run;
using podfit::test::run_command;
using podfit::test::shell_quote;
using podfit::test::TempDir;

namespace {

constexpr const char* kManifest = R"(apiVersion: v1
kind: ReplicationController
metadata:
  name: frontend
  namespace: web
spec:
  selector:
    name: frontend
  template:
    metadata:
      labels:
        name: frontend
    spec:
      containers:
      - name: php
        image: php
)";

// 40 polls: frontend's php and an injected istio-proxy, and a pod of a workload not in -f.
constexpr const char* kSamples = R"(import json, sys
for i in range(40):
    t = "2024-08-23T10:%02d:00Z" % i
    usage = lambda c, m: {"cpu": c, "memory": m}
    items = [{"metadata": {"name": "frontend-x7k2p", "namespace": "web",
                           "labels": {"name": "frontend"}},
              "timestamp": t, "window": "15s",
              "containers": [{"name": "php", "usage": usage("50m", "100Mi")},
                             {"name": "istio-proxy", "usage": usage("20m", "60Mi")}]},
             {"metadata": {"name": "worker-5d8f7c9b6d-x2k9p", "namespace": "web"},
              "timestamp": t, "window": "15s",
              "containers": [{"name": "w", "usage": usage("10m", "30Mi")}]}]
    print(json.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": items}))
)";

}  // namespace

TEST_CASE("patch lists what no manifest takes, and --check counts it", "[cli][patch]") {
  TempDir dir;
  podfit::test::write_file(dir / "rc.yaml", kManifest);
  podfit::test::write_file(dir / "gen.py", kSamples);
  std::string samples = (dir / "s.jsonl").string();
  REQUIRE(run_command(podfit::test::python() + " " + shell_quote((dir / "gen.py").string()) +
                      " > " + shell_quote(samples))
              .exit_code == 0);
  std::string cd = "cd " + shell_quote(dir.path().string()) + " && ";
  CommandResult diff = run_command(cd + shell_quote(podfit::test::podfit_binary()) +
                                   " patch --samples s.jsonl -f rc.yaml");
  INFO(diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("+            cpu: 58m"));
  CHECK_THAT(diff.out,
             Catch::Contains("#   web/ReplicationController/frontend container istio-proxy: the "
                             "manifest has no such container (injected at admission?); requests "
                             "23m/69Mi"));
  CHECK_THAT(diff.out, Catch::Contains("#   web/Deployment/worker container w: no manifest under "
                                       "-f or -k defines this workload"));
  // The listing after the diff does not stop git from applying it.
  podfit::test::write_file(dir / "out.diff", diff.out);
  CommandResult applied = run_command(cd + "git init -q . && git apply --check out.diff");
  INFO(applied.err);
  CHECK(applied.exit_code == 0);

  // Strategic patches list them too, as comments kubectl reads past.
  CommandResult strategic = run_command(cd + shell_quote(podfit::test::podfit_binary()) +
                                        " patch -o strategic --samples s.jsonl -f rc.yaml");
  REQUIRE(strategic.exit_code == 0);
  CHECK_THAT(strategic.out, Catch::Contains("# Not in the manifests given with -f or -k, so not "
                                            "patched:") &&
                                Catch::Contains("container istio-proxy: the manifest has no such "
                                                "container"));
  podfit::test::write_file(dir / "patches.yaml", strategic.out);
  CommandResult parsed =
      run_command(podfit::test::python() +
                  " -c \"import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))\" " +
                  shell_quote((dir / "patches.yaml").string()));
  CHECK(parsed.exit_code == 0);

  // Nothing to change in the file, but the sidecar's numbers still count for --check.
  podfit::test::write_file(
      dir / "rc.yaml",
      std::string(kManifest) +
          "        resources:\n          requests: {cpu: 58m, memory: "
          "115Mi}\n          limits: {cpu: 100m, memory: 200Mi}\n");  // max x 2
  CommandResult check = run_command(cd + shell_quote(podfit::test::podfit_binary()) +
                                    " patch --check --samples s.jsonl -f rc.yaml");
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK_THAT(check.out, !Catch::Contains("diff --git"));
  CHECK_THAT(check.out, Catch::Contains("container istio-proxy"));
}

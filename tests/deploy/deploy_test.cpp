// deploy/ and the Dockerfile: what `kubectl kustomize deploy/` renders is checked object by
// object (RBAC exactly as documented, the CronJob pod hardened), and the CronJob's own args
// are run through the podfit binary the image ships.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "kube/fake_server.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

std::string deploy_dir() {
  return source_dir() + "/deploy";
}

// Renders deploy/ offline: an empty kubeconfig, so no cluster is ever asked.
std::vector<YAML::Node> render_kustomization(const TempDir& temp) {
  write_file(temp / "kubeconfig", "");
  auto result = run_command("KUBECONFIG=" + shell_quote((temp / "kubeconfig").string()) +
                            " /usr/bin/kubectl kustomize " + shell_quote(deploy_dir()));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return YAML::LoadAll(result.out);
}

std::string text_of(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : "";
}

// Every scalar under `node` whose map key is `key` (or, for sequences, every item of it).
void collect_values(const YAML::Node& node, const std::string& key, std::vector<std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.as<std::string>() == key) {
        if (entry.second.IsScalar()) out.push_back(entry.second.as<std::string>());
        if (entry.second.IsSequence()) {
          for (const auto& item : entry.second) out.push_back(text_of(item));
        }
      }
      collect_values(entry.second, key, out);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) collect_values(item, key, out);
  }
}

void collect_scalars(const YAML::Node& node, std::vector<std::string>& out) {
  if (node.IsScalar()) out.push_back(node.as<std::string>());
  if (node.IsMap()) {
    for (const auto& entry : node) {
      out.push_back(entry.first.as<std::string>());
      collect_scalars(entry.second, out);
    }
  }
  if (node.IsSequence()) {
    for (const auto& item : node) collect_scalars(item, out);
  }
}

std::vector<std::string> string_list(const YAML::Node& node) {
  std::vector<std::string> items;
  for (const auto& item : node) items.push_back(item.as<std::string>());
  return items;
}

const YAML::Node find_object(const std::vector<YAML::Node>& objects, const std::string& kind,
                             const std::string& name = "") {
  for (const auto& object : objects) {
    if (text_of(object["kind"]) == kind &&
        (name.empty() || text_of(object["metadata"]["name"]) == name))
      return object;
  }
  FAIL("no " << kind << " " << name << " in the rendered kustomization");
  return YAML::Node();
}

// The hardening both Job pods share: non-root 65532, read-only root, no privilege escalation,
// no capabilities, the runtime's seccomp profile, requests and limits, no probes.
void check_hardened_container(const YAML::Node& pod_spec, const YAML::Node& container) {
  CHECK(pod_spec["securityContext"]["runAsNonRoot"].as<bool>());
  CHECK(pod_spec["securityContext"]["runAsUser"].as<int>() == 65532);
  CHECK(text_of(pod_spec["securityContext"]["seccompProfile"]["type"]) == "RuntimeDefault");
  CHECK(text_of(pod_spec["restartPolicy"]) == "Never");
  CHECK(text_of(pod_spec["serviceAccountName"]) == "podfit");

  const YAML::Node security = container["securityContext"];
  REQUIRE(security.IsMap());
  CHECK(security["runAsNonRoot"].as<bool>());
  CHECK(security["runAsUser"].as<int>() == 65532);
  CHECK(security["readOnlyRootFilesystem"].as<bool>());
  CHECK_FALSE(security["allowPrivilegeEscalation"].as<bool>());
  CHECK(string_list(security["capabilities"]["drop"]) == std::vector<std::string>{"ALL"});
  CHECK_FALSE(security["capabilities"]["add"]);
  CHECK_FALSE(security["privileged"]);
  CHECK(text_of(security["seccompProfile"]["type"]) == "RuntimeDefault");

  for (const char* bound : {"requests", "limits"}) {
    for (const char* resource : {"cpu", "memory"}) {
      INFO(bound << "." << resource);
      CHECK_FALSE(text_of(container["resources"][bound][resource]).empty());
    }
  }
  CHECK_FALSE(container["livenessProbe"]);
  CHECK_FALSE(container["readinessProbe"]);
  CHECK_FALSE(container["startupProbe"]);

  // The root filesystem is read-only, so /tmp must be a volume.
  std::map<std::string, std::string> mounts;  // path -> volume
  for (const auto& mount : container["volumeMounts"]) {
    mounts[mount["mountPath"].as<std::string>()] = mount["name"].as<std::string>();
  }
  REQUIRE(mounts.count("/tmp") == 1);
  REQUIRE(mounts.count("/data") == 1);
  for (const auto& volume : pod_spec["volumes"]) {
    std::string name = volume["name"].as<std::string>();
    if (name == mounts["/tmp"]) CHECK(volume["emptyDir"].IsMap());
    if (name == mounts["/data"]) {
      CHECK(text_of(volume["persistentVolumeClaim"]["claimName"]) == "podfit-store");
    }
  }
}

// The args with `flag`'s value replaced.
std::vector<std::string> with_value(std::vector<std::string> args, const std::string& flag,
                                    const std::string& value) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) {
      args[i + 1] = value;
      return args;
    }
  }
  FAIL("no " << flag << " in the CronJob's args");
  return args;
}

std::string joined_for_shell(const std::vector<std::string>& args) {
  std::string command;
  for (const auto& arg : args) command += " " + shell_quote(arg);
  return command;
}

}  // namespace

TEST_CASE("deploy/ renders to the documented objects, all in namespace podfit", "[deploy]") {
  TempDir temp;
  auto objects = render_kustomization(temp);

  const std::set<std::pair<std::string, std::string>> allowed = {
      {"v1", "Namespace"},
      {"v1", "ServiceAccount"},
      {"v1", "PersistentVolumeClaim"},
      {"rbac.authorization.k8s.io/v1", "ClusterRole"},
      {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
      {"rbac.authorization.k8s.io/v1", "Role"},
      {"rbac.authorization.k8s.io/v1", "RoleBinding"},
      {"v1", "ConfigMap"},
      {"batch/v1", "CronJob"}};
  const std::set<std::string> cluster_scoped = {"Namespace", "ClusterRole", "ClusterRoleBinding"};
  std::set<std::pair<std::string, std::string>> seen;  // kind, name
  for (const auto& object : objects) {
    std::string kind = text_of(object["kind"]);
    std::string name = text_of(object["metadata"]["name"]);
    INFO(kind << "/" << name);
    CHECK(allowed.count({text_of(object["apiVersion"]), kind}) == 1);
    CHECK_FALSE(name.empty());
    if (cluster_scoped.count(kind)) {
      CHECK_FALSE(object["metadata"]["namespace"]);
    } else {
      CHECK(text_of(object["metadata"]["namespace"]) == "podfit");
    }
    seen.insert({kind, name});
  }
  const std::set<std::pair<std::string, std::string>> expected = {
      {"Namespace", "podfit"},
      {"ServiceAccount", "podfit"},
      {"PersistentVolumeClaim", "podfit-store"},
      {"ClusterRole", "podfit-reader"},
      {"ClusterRoleBinding", "podfit-reader"},
      {"Role", "podfit-report-writer"},
      {"RoleBinding", "podfit-report-writer"},
      {"ConfigMap", "podfit-report"},
      {"CronJob", "podfit-collect"},
      {"CronJob", "podfit-report"}};
  CHECK(seen == expected);
  CHECK(objects.size() == expected.size());

  const YAML::Node claim = find_object(objects, "PersistentVolumeClaim");
  CHECK(string_list(claim["spec"]["accessModes"]) == std::vector<std::string>{"ReadWriteOnce"});
  CHECK(text_of(claim["spec"]["resources"]["requests"]["storage"]) == "1Gi");

  // Only the CronJob pods get a token.
  CHECK_FALSE(find_object(objects, "ServiceAccount")["automountServiceAccountToken"].as<bool>());
  // Shipped empty: the report CronJob fills it, and re-applying leaves its data alone.
  const YAML::Node report = find_object(objects, "ConfigMap", "podfit-report");
  CHECK_FALSE(report["data"]);
  CHECK_FALSE(report["binaryData"]);
}

TEST_CASE("deploy/ RBAC is exactly the documented list: read-only, plus one ConfigMap",
          "[deploy]") {
  TempDir temp;
  auto objects = render_kustomization(temp);

  using Grant = std::tuple<std::string, std::string, std::string>;  // group, resource, verb
  std::set<Grant> granted;
  const YAML::Node role = find_object(objects, "ClusterRole");
  for (const auto& rule : role["rules"]) {
    CHECK_FALSE(rule["resourceNames"]);
    CHECK_FALSE(rule["nonResourceURLs"]);
    for (const auto& group : string_list(rule["apiGroups"])) {
      for (const auto& resource : string_list(rule["resources"])) {
        for (const auto& verb : string_list(rule["verbs"])) granted.insert({group, resource, verb});
      }
    }
  }
  const std::vector<std::pair<std::string, std::string>> readable = {
      {"", "pods"},
      {"apps", "replicasets"},
      {"apps", "deployments"},
      {"apps", "statefulsets"},
      {"apps", "daemonsets"},
      {"batch", "jobs"},
      {"batch", "cronjobs"},
      {"autoscaling", "horizontalpodautoscalers"},
      {"metrics.k8s.io", "pods"}};
  std::set<Grant> expected;
  for (const auto& [group, resource] : readable) {
    for (const char* verb : {"get", "list", "watch"}) expected.insert({group, resource, verb});
  }
  CHECK(granted == expected);

  const YAML::Node binding = find_object(objects, "ClusterRoleBinding");
  CHECK(text_of(binding["roleRef"]["kind"]) == "ClusterRole");
  CHECK(text_of(binding["roleRef"]["name"]) == "podfit-reader");
  REQUIRE(binding["subjects"].size() == 1);
  CHECK(text_of(binding["subjects"][0]["kind"]) == "ServiceAccount");
  CHECK(text_of(binding["subjects"][0]["name"]) == "podfit");
  CHECK(text_of(binding["subjects"][0]["namespace"]) == "podfit");

  // The one write: get and patch on the ConfigMap podfit-report, in namespace podfit only.
  using NamedGrant = std::tuple<std::string, std::string, std::string, std::string>;
  std::set<NamedGrant> namespaced;  // group, resource, name, verb
  const YAML::Node writer = find_object(objects, "Role", "podfit-report-writer");
  CHECK(text_of(writer["metadata"]["namespace"]) == "podfit");
  for (const auto& rule : writer["rules"]) {
    REQUIRE(rule["resourceNames"]);
    for (const auto& group : string_list(rule["apiGroups"])) {
      for (const auto& resource : string_list(rule["resources"])) {
        for (const auto& name : string_list(rule["resourceNames"])) {
          for (const auto& verb : string_list(rule["verbs"]))
            namespaced.insert({group, resource, name, verb});
        }
      }
    }
  }
  CHECK(namespaced == std::set<NamedGrant>{{"", "configmaps", "podfit-report", "get"},
                                           {"", "configmaps", "podfit-report", "patch"}});
  const YAML::Node writer_binding = find_object(objects, "RoleBinding", "podfit-report-writer");
  CHECK(text_of(writer_binding["metadata"]["namespace"]) == "podfit");
  CHECK(text_of(writer_binding["roleRef"]["kind"]) == "Role");
  CHECK(text_of(writer_binding["roleRef"]["name"]) == "podfit-report-writer");
  REQUIRE(writer_binding["subjects"].size() == 1);
  CHECK(text_of(writer_binding["subjects"][0]["kind"]) == "ServiceAccount");
  CHECK(text_of(writer_binding["subjects"][0]["name"]) == "podfit");
  CHECK(text_of(writer_binding["subjects"][0]["namespace"]) == "podfit");

  for (const auto& object : objects) {
    std::vector<std::string> verbs;
    collect_values(object, "verbs", verbs);
    bool is_writer = text_of(object["kind"]) == "Role";
    for (const auto& verb : verbs) {
      INFO(text_of(object["kind"]) << " verb " << verb);
      if (is_writer) {
        CHECK((verb == "get" || verb == "patch"));
      } else {
        CHECK((verb == "get" || verb == "list" || verb == "watch"));
      }
    }
    std::vector<std::string> scalars;
    collect_scalars(object, scalars);
    for (const auto& scalar : scalars) CHECK(scalar.find("secret") == std::string::npos);
  }
}

TEST_CASE("deploy/ CronJob collects hourly into the PVC from a hardened pod", "[deploy]") {
  TempDir temp;
  auto objects = render_kustomization(temp);
  const YAML::Node cron = find_object(objects, "CronJob", "podfit-collect");
  const YAML::Node spec = cron["spec"];
  CHECK(text_of(spec["schedule"]) == "0 * * * *");
  CHECK(text_of(spec["concurrencyPolicy"]) == "Forbid");
  CHECK(spec["startingDeadlineSeconds"].as<int>() > 0);
  const YAML::Node job = spec["jobTemplate"]["spec"];
  CHECK(job["backoffLimit"].as<int>() == 0);
  // a bit above the 55 minutes of collection, and under the hour between runs
  int deadline = job["activeDeadlineSeconds"].as<int>();
  CHECK(deadline > 55 * 60);
  CHECK(deadline < 60 * 60);

  const YAML::Node pod = job["template"]["spec"];
  CHECK(pod["automountServiceAccountToken"].as<bool>());
  REQUIRE(pod["containers"].size() == 1);
  const YAML::Node container = pod["containers"][0];
  check_hardened_container(pod, container);
  CHECK_FALSE(container["command"]);  // the image's ENTRYPOINT is podfit
  CHECK(string_list(container["args"]) == std::vector<std::string>{"collect", "-A", "--store",
                                                                   "/data/podfit.db", "--interval",
                                                                   "15s", "--duration", "55m"});
}

TEST_CASE("deploy/ report CronJob publishes from the store into the ConfigMap", "[deploy]") {
  TempDir temp;
  auto objects = render_kustomization(temp);
  const YAML::Node spec = find_object(objects, "CronJob", "podfit-report")["spec"];
  CHECK(text_of(spec["schedule"]) == "57 */6 * * *");  // after the collector's 55 minutes
  CHECK(text_of(spec["concurrencyPolicy"]) == "Forbid");
  const YAML::Node job = spec["jobTemplate"]["spec"];
  CHECK(job["backoffLimit"].as<int>() == 0);
  const YAML::Node pod = job["template"]["spec"];
  CHECK(pod["automountServiceAccountToken"].as<bool>());  // to patch the ConfigMap
  REQUIRE(pod["containers"].size() == 1);
  const YAML::Node container = pod["containers"][0];
  check_hardened_container(pod, container);
  CHECK_FALSE(container["command"]);
  auto args = string_list(container["args"]);
  CHECK(args == std::vector<std::string>{"recommend", "--store", "/data/podfit.db", "--live", "-A",
                                         "-o", "markdown", "--publish-configmap", "podfit-report"});

  // Run those args as the pod would: in-cluster env against the fake API server.
  FakeApiServer server(nlohmann::json{
      {"tokens", {{"tok-podfit", "system:serviceaccount:podfit:podfit"}, {"tok-dev", "dev"}}},
      {"configmaps", {{{"namespace", "podfit"}, {"name", "podfit-report"}}}}});
  std::string store = (temp / "podfit.db").string();
  auto imported =
      run_command(shell_quote(podfit_binary()) + " store --store " + shell_quote(store) +
                  " import " + shell_quote(source_dir() + "/fixtures/sample-app/samples.jsonl"));
  REQUIRE(imported.exit_code == 0);
  TempDir account;
  write_file(account / "token", "tok-podfit");
  std::filesystem::copy_file(test_certs() / "ca.crt", account / "ca.crt");
  write_file(account / "namespace", "podfit\n");
  std::string home = server.dir().path().string();
  auto run = run_podfit(
      joined_for_shell(with_value(args, "--store", store)), home,
      "KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=" + std::to_string(server.port()) +
          " PODFIT_SERVICEACCOUNT_DIR=" + shell_quote(account.path().string()));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("| ") != std::string::npos);  // the Markdown report in the log

  // The documented one-liner, from a developer's kubeconfig.
  std::string kubeconfig = server.write_kubeconfig("dev", "    token: tok-dev\n");
  auto markdown = run_kubectl("--kubeconfig " + shell_quote(kubeconfig) +
                                  " get configmap podfit-report -n podfit -o "
                                  "jsonpath='{.data.report\\.md}'",
                              home);
  INFO(markdown.err);
  REQUIRE(markdown.exit_code == 0);
  CHECK(markdown.out == run.out);
  auto annotations = run_kubectl("--kubeconfig " + shell_quote(kubeconfig) +
                                     " get configmap podfit-report -n podfit -o "
                                     "jsonpath='{.metadata.annotations}'",
                                 home);
  CHECK(annotations.out.find("\"podfit/source\":\"store " + store + "\"") != std::string::npos);
  CHECK(annotations.out.find("podfit/generated-at") != std::string::npos);
}

TEST_CASE("the CronJob's args run in podfit with an in-cluster service account", "[deploy]") {
  TempDir temp;
  auto objects = render_kustomization(temp);
  const YAML::Node container = find_object(
      objects, "CronJob",
      "podfit-collect")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
  auto args = string_list(container["args"]);
  args = with_value(args, "--duration", "1s");
  args = with_value(args, "--interval", "1s");
  args = with_value(args, "--store", (temp / "podfit.db").string());

  // What a pod sees: the service account folder, and no kubeconfig anywhere.
  auto account = temp / "serviceaccount";
  std::filesystem::create_directories(account);
  auto certs = run_command(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 1 -subj /CN=test-ca -keyout " +
      shell_quote((temp / "ca.key").string()) + " -out " +
      shell_quote((account / "ca.crt").string()));
  REQUIRE(certs.exit_code == 0);
  write_file(account / "token", "test-token");
  write_file(account / "namespace", "podfit");
  std::filesystem::create_directories(temp / "home");
  std::string environment = "env -u KUBECONFIG HOME=" + shell_quote((temp / "home").string()) +
                            " KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=1"
                            " PODFIT_SERVICEACCOUNT_DIR=" +
                            shell_quote(account.string()) + " ";

  // --help after the real args: podfit prints help and nothing else happens.
  auto help =
      run_command(environment + shell_quote(podfit_binary()) + joined_for_shell(args) + " --help");
  INFO(help.err);
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--store") != std::string::npos);
  CHECK(help.out.find("--duration") != std::string::npos);

  // CLI11 prints help before it looks for unknown or missing options, so the real check is a
  // run: the args parse, and the failure is the unreachable API server, not the command line.
  auto run = run_command(environment + shell_quote(podfit_binary()) + joined_for_shell(args));
  INFO("exit " << run.exit_code << "\n" << run.err);
  CHECK(run.exit_code != 0);
  CHECK(run.exit_code != 2);
  for (const char* usage_word : {"nrecognised", "nrecognized", "required", "xtras"}) {
    CHECK(run.err.find(usage_word) == std::string::npos);
  }
  CHECK(run.err.find("127.0.0.1:1") != std::string::npos);  // the in-cluster address was used
  CHECK(std::filesystem::exists(temp / "podfit.db"));       // and the --store path
}

TEST_CASE("the Dockerfile runs podfit as non-root user 65532", "[deploy]") {
  std::string dockerfile = read_file(source_dir() + "/Dockerfile");
  std::vector<std::string> from_lines;
  std::string user;
  std::string entrypoint;
  std::istringstream lines(dockerfile);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("FROM ", 0) == 0) from_lines.push_back(line);
    if (line.rfind("USER ", 0) == 0) user = line.substr(5);
    if (line.rfind("ENTRYPOINT ", 0) == 0) entrypoint = line.substr(11);
  }
  REQUIRE(from_lines.size() == 2);
  CHECK(from_lines[0] == "FROM debian:12 AS build");
  CHECK(from_lines[1] == "FROM debian:12-slim");
  CHECK(user.rfind("65532", 0) == 0);  // the last USER wins
  CHECK(entrypoint == "[\"podfit\"]");
  CHECK(dockerfile.find("-DPODFIT_BUILD_TESTS=OFF") != std::string::npos);
  CHECK(dockerfile.find("scripts/setup.sh") != std::string::npos);
}

}  // namespace podfit::test

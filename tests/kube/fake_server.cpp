#include "kube/fake_server.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace podfit::test {

const std::filesystem::path& test_certs() {
  static std::unique_ptr<TempDir> dir = [] {
    auto made = std::make_unique<TempDir>();
    auto result = run_command("sh " + shell_quote(source_dir() + "/tests/kube/make_certs.sh") +
                              " " + shell_quote(made->path().string()));
    if (result.exit_code != 0) throw std::runtime_error("make_certs.sh failed: " + result.err);
    return made;
  }();
  return dir->path();
}

FakeApiServer::FakeApiServer(const nlohmann::json& scenario) {
  const auto& certs = test_certs();
  write_file(dir_ / "scenario.json", scenario.dump());
  std::string script = source_dir() + "/tests/kube/fake_apiserver.py";
  std::vector<std::string> args = {python(),      script,
                                   "--scenario",  (dir_ / "scenario.json").string(),
                                   "--cert",      (certs / "server.crt").string(),
                                   "--key",       (certs / "server.key").string(),
                                   "--client-ca", (certs / "ca.crt").string(),
                                   "--port-file", (dir_ / "port").string(),
                                   "--log",       (dir_ / "requests.jsonl").string()};
  auto server =
      spawn_server(std::move(args), dir_ / "server.log", dir_ / "port", 5000, "fake API server");
  pid_ = server.pid;
  port_ = server.port;
}

FakeApiServer::~FakeApiServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

std::vector<nlohmann::json> FakeApiServer::requests() const {
  std::vector<nlohmann::json> entries;
  std::ifstream in(dir_ / "requests.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) entries.push_back(nlohmann::json::parse(line));
  }
  return entries;
}

std::string FakeApiServer::write_kubeconfig(const std::string& name, const std::string& user_yaml,
                                            const std::string& extra_cluster_yaml,
                                            const std::string& context_namespace) const {
  std::ostringstream text;
  text << "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n"
       << "    server: " << url() << "\n";
  if (extra_cluster_yaml.empty()) {
    text << "    certificate-authority: " << (test_certs() / "ca.crt").string() << "\n";
  } else {
    text << extra_cluster_yaml;
  }
  text << "users:\n- name: tester\n  user:\n"
       << user_yaml << "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: tester\n";
  if (!context_namespace.empty()) text << "    namespace: " << context_namespace << "\n";
  text << "current-context: fake\n";
  std::string path = (dir_ / name).string();
  write_file(path, text.str());
  return path;
}

nlohmann::json load_scenario(const std::string& name) {
  return nlohmann::json::parse(read_file(source_dir() + "/fixtures/kube/" + name));
}

CommandResult run_podfit(const std::string& args, const std::string& home, const std::string& env) {
  return run_command(
      "env -u KUBECONFIG -u KUBERNETES_SERVICE_HOST -u KUBERNETES_SERVICE_PORT HOME=" +
      shell_quote(home) + " " + env + " " + shell_quote(podfit_binary()) + " " + args);
}

CommandResult run_kubectl(const std::string& args, const std::string& home) {
  return run_command(
      "env -u KUBECONFIG -u KUBERNETES_SERVICE_HOST -u KUBERNETES_SERVICE_PORT HOME=" +
      shell_quote(home) + " /usr/bin/kubectl " + args);
}

}  // namespace podfit::test

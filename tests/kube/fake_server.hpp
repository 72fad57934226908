// Runs tests/kube/fake_apiserver.py for a test: HTTPS on 127.0.0.1 with a
// throwaway CA made by openssl (tests/kube/make_certs.sh), once per process.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/support.hpp"

namespace podfit::test {

// The folder holding ca.crt, server.*, alice.* (trusted client) and mallory.* (untrusted).
const std::filesystem::path& test_certs();

class FakeApiServer {
 public:
  explicit FakeApiServer(const nlohmann::json& scenario);
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const TempDir& dir() const { return dir_; }
  // Every request served so far: {"method", "path", "status", "user", "accept"}.
  std::vector<nlohmann::json> requests() const;

  // Writes a kubeconfig for this server (CA from test_certs()) whose user entry
  // is `user_yaml` (lines indented under "user:"); returns its path.
  std::string write_kubeconfig(const std::string& name, const std::string& user_yaml,
                               const std::string& extra_cluster_yaml = "",
                               const std::string& context_namespace = "") const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A scenario with three pods in two namespaces (see fixtures/kube/basic.json).
nlohmann::json load_scenario(const std::string& name);

// podfit run with `args` and HOME set to `home` (no KUBECONFIG, no in-cluster env).
CommandResult run_podfit(const std::string& args, const std::string& home,
                         const std::string& env = "");
// kubectl run the same way, with its discovery cache under `home`.
CommandResult run_kubectl(const std::string& args, const std::string& home);

}  // namespace podfit::test

// The connection flags every cluster-facing command shares (top, collect, and
// recommend/patch --live): --kubeconfig, --context, -n, -A, -l, --request-timeout.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "podfit/kube/client.hpp"
#include "podfit/kube/metrics.hpp"

namespace podfit::cli {

struct KubeFlags {
  std::string kubeconfig;
  std::string context;
  std::string namespace_name;
  bool all_namespaces = false;
  std::string selector;
  double request_timeout_seconds = 60;
};

void add_kube_options(CLI::App& command, KubeFlags& flags);

struct KubeConnection {
  std::unique_ptr<kube::ApiClient> client;
  kube::Scope scope;  // -n / the context's namespace / -A, and -l
};

// Loads the kubeconfig (or in-cluster config) and makes a client.
// Throws podfit::Failure(fatal) with the loader's message on failure.
KubeConnection connect_to_cluster(const KubeFlags& flags);

}  // namespace podfit::cli

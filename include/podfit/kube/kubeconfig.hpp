// Where the cluster is and who we are: kubeconfig files (loaded and merged the
// way kubectl does) or the in-cluster service account.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "podfit/core/error.hpp"

namespace podfit::kube {

// users[].user.exec: a credential plugin (client.authentication.k8s.io ExecCredential).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or v1beta1
  std::string command;      // made absolute when relative with a '/' (kubectl's rule)
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
};

struct ClusterInfo {
  std::string server;   // https://host:port[/prefix]
  std::string ca_file;  // certificate-authority (absolute path)
  std::string ca_pem;   // certificate-authority-data, decoded
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
};

// Credentials as configured. File paths are absolute; *_data fields are decoded PEM.
struct UserInfo {
  std::string token;
  std::string token_file;  // re-read when it changes (bound service-account tokens rotate)
  std::string client_certificate_file;
  std::string client_certificate_pem;
  std::string client_key_file;
  std::string client_key_pem;
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;
};

struct ConnectionConfig {
  std::string origin;   // "kubeconfig /root/.kube/config, context prod" or "in-cluster"
  std::string context;  // empty in-cluster
  std::string user_name;
  ClusterInfo cluster;
  UserInfo user;
  std::string namespace_name;  // the namespace to use when -n is not given
};

struct InClusterEnvironment {
  std::string service_host;  // KUBERNETES_SERVICE_HOST
  std::string service_port;  // KUBERNETES_SERVICE_PORT
  std::string account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

struct LoadOptions {
  std::string kubeconfig_flag;                // --kubeconfig (only this file; it must exist)
  std::optional<std::string> kubeconfig_env;  // $KUBECONFIG, a ':'-separated list
  std::string home;                           // for ~/.kube/config
  std::string context_flag;                   // --context
  std::string namespace_flag;                 // -n, overrides the context's namespace
  InClusterEnvironment in_cluster;
};

// LoadOptions filled from the process environment (KUBECONFIG, HOME,
// KUBERNETES_SERVICE_HOST/PORT, and PODFIT_SERVICEACCOUNT_DIR for tests).
LoadOptions options_from_environment();

// kubectl's order: --kubeconfig, else $KUBECONFIG (files merged, the first to
// define a name or current-context wins, missing files skipped), else
// ~/.kube/config; when none of these yields a configuration and the in-cluster
// environment is present, the service account. Errors name the file and line.
Result<ConnectionConfig> load_connection(const LoadOptions& options);

// The namespace the kubeconfig's context (--context, else current-context) names, read
// offline: what `kubectl apply` of a manifest naming no namespace would deploy it to.
// Empty fields when no kubeconfig or context exists, or the context names no namespace;
// the in-cluster service account is not consulted.
struct ContextNamespace {
  std::string context;
  std::string namespace_name;
};
Result<ContextNamespace> context_namespace(const LoadOptions& options);

// The service-account configuration alone.
Result<ConnectionConfig> load_in_cluster(const InClusterEnvironment& environment,
                                         const std::string& namespace_flag);

}  // namespace podfit::kube

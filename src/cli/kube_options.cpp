#include "cli/kube_options.hpp"

#include "podfit/core/error.hpp"
#include "podfit/kube/kubeconfig.hpp"

namespace podfit::cli {

void add_kube_options(CLI::App& command, KubeFlags& flags) {
  command
      .add_option("--kubeconfig", flags.kubeconfig,
                  "kubeconfig file (default: $KUBECONFIG, "
                  "then ~/.kube/config, then the in-cluster service account)")
      ->type_name("FILE");
  command.add_option("--context", flags.context, "kubeconfig context to use")->type_name("NAME");
  auto* namespace_option = command
                               .add_option("-n,--namespace", flags.namespace_name,
                                           "namespace (default: the "
                                           "context's namespace)")
                               ->type_name("NS");
  command.add_flag("-A,--all-namespaces", flags.all_namespaces, "all namespaces")
      ->excludes(namespace_option);
  command.add_option("-l,--selector", flags.selector, "label selector, e.g. app=web,tier!=db")
      ->type_name("SEL");
  command
      .add_option("--request-timeout", flags.request_timeout_seconds,
                  "seconds one API request may take (default 60)")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber);
}

KubeConnection connect_to_cluster(const KubeFlags& flags) {
  kube::LoadOptions options = kube::options_from_environment();
  options.kubeconfig_flag = flags.kubeconfig;
  options.context_flag = flags.context;
  options.namespace_flag = flags.namespace_name;
  auto config = kube::load_connection(options);
  if (!config) throw Failure(ExitCode::fatal, config.error().message);
  net::RequestLimits timeouts;
  timeouts.request_ms = static_cast<long>(flags.request_timeout_seconds * 1000);
  timeouts.connect_ms = std::min(timeouts.request_ms, 10'000L);
  KubeConnection connection;
  connection.scope.namespace_name = config->namespace_name;
  connection.scope.all_namespaces = flags.all_namespaces;
  connection.scope.label_selector = flags.selector;
  connection.client = kube::ApiClient::connect(*config, timeouts);
  return connection;
}

}  // namespace podfit::cli

// podfit top: what `kubectl top pod` prints, from the same API, byte for byte.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/kube_options.hpp"
#include "podfit/core/error.hpp"
#include "podfit/kube/top.hpp"

namespace podfit::cli {

namespace {

struct TopFlags {
  KubeFlags kube;
  bool containers = false;
  std::string sort_by;
};

void run_top(const TopFlags& flags) {
  auto sort = kube::parse_top_sort(flags.sort_by);
  if (!sort) throw Failure(ExitCode::usage, sort.error().message);
  KubeConnection connection = connect_to_cluster(flags.kube);
  auto body = kube::fetch_pod_metrics(*connection.client, connection.scope);
  if (!body) throw Failure(ExitCode::fatal, body.error().message);
  std::string origin = "GET " + connection.client->url(kube::pod_metrics_path(connection.scope));
  auto pods = kube::parse_pod_metrics_list(*body, origin);
  if (!pods) throw Failure(ExitCode::fatal, pods.error().message);
  if (pods->empty()) {
    std::cerr << (connection.scope.all_namespaces
                      ? std::string("No resources found\n")
                      : "No resources found in " + connection.scope.namespace_name +
                            " namespace.\n");
    return;
  }
  kube::TopOptions options;
  options.containers = flags.containers;
  options.with_namespace = connection.scope.all_namespaces;
  options.sort = *sort;
  auto table = kube::format_top_table(std::move(*pods), options);
  if (!table) throw Failure(ExitCode::fatal, origin + ": " + table.error().message);
  std::cout << *table;
}

}  // namespace

void register_top(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<TopFlags>();
  CLI::App* command =
      app.add_subcommand("top", "Show pod CPU and memory use now, like `kubectl top pod`");
  add_kube_options(*command, flags->kube);
  command->add_flag("--containers", flags->containers, "one line per container");
  command->add_option("--sort-by", flags->sort_by, "cpu or memory (default: by name)")
      ->type_name("FIELD");
  command->callback([flags, &exit_code] {
    run_top(*flags);
    exit_code = static_cast<int>(ExitCode::ok);
  });
}

}  // namespace podfit::cli

// podfit top: what `kubectl top pod` prints, from the same API, byte for byte; with --store,
// the same from the history store plus P95 and MAX over a window (top_history.cpp).
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/kube_options.hpp"
#include "cli/top_history.hpp"
#include "podfit/core/error.hpp"
#include "podfit/kube/top.hpp"

namespace podfit::cli {

namespace {

struct TopFlags {
  KubeFlags kube;
  bool containers = false;
  std::string sort_by;
  bool no_headers = false;
  std::string store_path;
  std::string history;
};

void run_top(const TopFlags& flags) {
  auto sort = kube::parse_top_sort(flags.sort_by);
  if (!sort) throw Failure(ExitCode::usage, sort.error().message);
  if (!flags.store_path.empty()) {
    TopHistoryOptions history;
    history.store_path = flags.store_path;
    if (!flags.history.empty()) history.history = flags.history;
    history.namespace_name = flags.kube.all_namespaces ? "" : flags.kube.namespace_name;
    history.selector = flags.kube.selector;
    history.table.containers = flags.containers;
    history.table.sort = *sort;
    history.table.no_headers = flags.no_headers;
    run_top_history(history);
    return;
  }
  if (!flags.history.empty()) throw Failure(ExitCode::usage, "--history goes with --store");
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
  options.no_headers = flags.no_headers;
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
  command->add_flag("--no-headers", flags->no_headers, "leave out the header line");
  command
      ->add_option("--store", flags->store_path,
                   "read the history store instead of the metrics API, with P95 and MAX")
      ->type_name("PATH");
  command
      ->add_option("--history", flags->history,
                   "with --store: the window ending at the newest sample (default 24h)")
      ->type_name("DURATION");
  command->callback([flags, &exit_code] {
    run_top(*flags);
    exit_code = static_cast<int>(ExitCode::ok);
  });
}

}  // namespace podfit::cli

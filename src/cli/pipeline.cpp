#include "cli/pipeline.hpp"

#include "cli/published.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "podfit/core/time.hpp"
#include "podfit/history/load.hpp"
#include "podfit/kube/kubeconfig.hpp"
#include "podfit/kube/live.hpp"
#include "podfit/manifest/kustomize.hpp"
#include "podfit/policy/recommend_all.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::cli {

namespace {

// Defaults, then the --policy file's settings, then the flags; the file's rules and the
// workloads' annotations come on top, per workload (policy::resolve_policy).
policy::PolicySet load_policy(const PipelineOptions& options) {
  policy::PolicySet policy;
  manifest::PolicyFile file;
  if (!options.policy_file.empty()) {
    file = must(manifest::load_policy_file(options.policy_file));
    auto applied = policy::apply_settings(policy.base, file.settings, options.policy_file);
    if (!applied) throw Failure(ExitCode::fatal, applied.error().message);
    policy.base = *applied;
  }
  auto applied = policy::apply_settings(policy.base, options.policy_flags, "command line");
  if (!applied) throw Failure(ExitCode::usage, applied.error().message);
  policy.base = *applied;
  for (manifest::PolicyRuleSpec& spec : file.rules) {
    policy.rules.push_back(
        must(policy::make_rule(std::move(spec.origin), std::move(spec.namespace_name),
                               spec.selector, std::move(spec.settings))));
  }
  return policy;
}

std::string first_line_of(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    throw Failure(ExitCode::fatal, flag + ": cannot read " + path);
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

source::PrometheusQueryOptions prometheus_query_options(const PrometheusFlags& flags) {
  source::PrometheusQueryOptions query;
  auto seconds = [](const std::string& flag, const std::string& text) {
    auto parsed = source::parse_history_seconds(text);
    if (!parsed) throw Failure(ExitCode::usage, flag + ": " + parsed.error().message);
    return *parsed;
  };
  query.history_seconds = seconds("--history", flags.history);
  query.step_seconds = seconds("--step", flags.step);
  if (!flags.rate_window.empty())
    query.rate_window_seconds = seconds("--rate-window", flags.rate_window);
  if (!flags.end.empty()) {
    auto end = parse_supported_time_ns(flags.end);
    if (!end) throw Failure(ExitCode::usage, "--prometheus-end: " + end.error().message);
    query.end_ns = *end;
  }
  for (const std::string& label : flags.labels) {
    std::size_t eq = label.find('=');
    if (eq == 0 || eq == std::string::npos) {
      throw Failure(ExitCode::usage, "--prometheus-label takes NAME=VALUE, not '" + label + "'");
    }
    query.labels.emplace_back(label.substr(0, eq), label.substr(eq + 1));
  }
  query.concurrency = std::max(1u, flags.concurrency);
  if (isatty(STDERR_FILENO) == 1) {
    query.progress = [](const source::PrometheusProgress& progress) {
      std::cerr << "\rprometheus: " << progress.queries_done << "/" << progress.queries_total
                << " queries, " << progress.bytes_received / 1'000'000 << " MB"
                << (progress.queries_done == progress.queries_total ? "\n" : "") << std::flush;
    };
  }
  return query;
}

history::History load_prometheus(const PrometheusFlags& flags, const history::RecordedOptions& fold,
                                 std::int64_t end_ns, std::ostream& diagnostics) {
  source::PrometheusConnection connection;
  connection.url = flags.url;
  if (!flags.token_file.empty()) {
    connection.bearer_token = first_line_of("--prometheus-token-file", flags.token_file);
  }
  if (!flags.basic_auth_file.empty()) {
    connection.basic_auth = first_line_of("--prometheus-basic-auth-file", flags.basic_auth_file);
  }
  connection.headers = flags.headers;
  connection.ca_file = flags.ca_file;
  connection.insecure_skip_verify = flags.insecure;
  connection.gzip = flags.gzip;
  source::PrometheusQueryOptions query = prometheus_query_options(flags);
  if (end_ns != 0) query.end_ns = end_ns;
  return must(history::load_prometheus(source::make_prometheus_http_api(connection), query,
                                       flags.url, diagnostics, fold));
}

history::History load_history(const PipelineOptions& options, const policy::PolicyOptions& policy,
                              const BacktestReading* backtest, std::ostream& diagnostics) {
  bool keep_hours_apart = backtest != nullptr;
  bool prometheus = !options.prometheus.url.empty();
  int sources = !options.sample_files.empty() + !options.store_paths.empty() + prometheus;
  if (sources != 1) {
    throw Failure(ExitCode::usage,
                  sources == 0
                      ? "no usage data: give --samples FILE, --store PATH or --prometheus URL"
                      : "give one of --samples, --store and --prometheus");
  }
  // Backtest slices raw points in time: its series stay raw. Others fold long series into
  // sketches as they are read (docs/scale.md).
  history::RecordedOptions fold;
  fold.exact_points = keep_hours_apart ? 0 : history::kExactPointsPerSeries;
  if (backtest && !backtest->parts.empty()) {  // folded part by part
    fold.exact_points = history::kExactPointsPerSeries;
    fold.parts = backtest->parts;
  }
  fold.half_life_seconds = policy.half_life_seconds;
  if (prometheus) {
    return load_prometheus(options.prometheus, fold, backtest ? backtest->prometheus_end_ns : 0,
                           diagnostics);
  }
  if (!options.store_paths.empty()) {
    // One sketch per container, which with decay keeps each hour's weight; backtest
    // slices hours and raw points in time: one sketch per part, or else apart and raw.
    if (backtest && !backtest->parts.empty()) {
      return must(history::load_stores_in_parts(options.store_paths, backtest->parts,
                                                policy.half_life_seconds));
    }
    return must(history::load_stores(options.store_paths, keep_hours_apart, !keep_hours_apart,
                                     policy.half_life_seconds));
  }
  return must(history::load_recorded(options.sample_files, diagnostics, fold));
}

std::vector<manifest::ManifestFile> load_manifests(const PipelineOptions& options,
                                                   std::ostream& diagnostics,
                                                   std::size_t& problems) {
  std::vector<manifest::ManifestFile> manifests;
  for (const std::string& dir : options.kustomize_dirs) {
    manifests.push_back(must(manifest::render_kustomization(dir)));
  }
  if (options.manifest_paths.empty()) return manifests;
  std::vector<std::string> layered = manifest::kustomization_dirs(options.manifest_paths);
  if (!layered.empty()) {
    std::string list;
    for (const std::string& dir : layered) list += (list.empty() ? "" : ", ") + dir;
    diagnostics << "podfit: warning: -f reads these kustomization folders file by file (a base "
                   "and every overlay's patches alike), not what they render: "
                << list << "; use -k DIR for an overlay\n";
  }
  std::vector<std::string> charts = manifest::chart_dirs(options.manifest_paths);
  if (!charts.empty()) {
    std::string list;
    for (const std::string& dir : charts) list += (list.empty() ? "" : ", ") + dir;
    diagnostics << "podfit: warning: -f reads these Helm charts file by file (templates are not "
                   "YAML, values files not manifests): "
                << list << "; use --chart DIR --values FILE\n";
  }
  auto paths = manifest::expand_paths(options.manifest_paths);
  if (!paths) throw Failure(ExitCode::fatal, paths.error().message);
  for (auto& file : manifest::load_manifests(*paths)) {
    if (!file) {
      diagnostics << "podfit: error: " << file.error().message << " (file left untouched)\n";
      ++problems;
      continue;
    }
    manifests.push_back(std::move(*file));
  }
  return manifests;
}

}  // namespace

history::TimeSpan prometheus_backtest_span(const PrometheusFlags& flags, BacktestReading& reading) {
  auto range = source::prometheus_range(prometheus_query_options(flags), now_ns());
  if (!range) throw Failure(ExitCode::usage, range.error().message);
  reading.prometheus_end_ns = range->end_ns;
  return {range->start_ns, range->end_ns};
}

void group_options(CLI::App& command) {
  const std::map<std::string, std::string> group_of = {{"--samples", "Input"},
                                                       {"--store", "Input"},
                                                       {"--prometheus", "Input"},
                                                       {"--filename", "Input"},
                                                       {"--recursive", "Input"},
                                                       {"--kustomize", "Input"},
                                                       {"--chart", "Input"},
                                                       {"--values", "Input"},
                                                       {"--release", "Input"},
                                                       {"--rendered", "Input"},
                                                       {"--from-cluster", "Input"},
                                                       {"--report-configmap", "Input"},
                                                       {"--live", "Cluster"},
                                                       {"--kubeconfig", "Cluster"},
                                                       {"--context", "Cluster"},
                                                       {"--namespace", "Cluster"},
                                                       {"--all-namespaces", "Cluster"},
                                                       {"--selector", "Cluster"},
                                                       {"--request-timeout", "Cluster"},
                                                       {"--history", "Prometheus"},
                                                       {"--step", "Prometheus"},
                                                       {"--rate-window", "Prometheus"},
                                                       {"--policy", "Policy"},
                                                       {"--train", "Backtest"},
                                                       {"--test", "Backtest"},
                                                       {"--split", "Backtest"},
                                                       {"--preset", "Backtest"},
                                                       {"--compare", "Backtest"}};
  std::set<std::string> policy_flags;
  for (const policy::SettingDoc& setting : policy::setting_docs()) {
    if (setting.flag) policy_flags.insert("--" + setting.key);
  }
  for (CLI::Option* option : command.get_options()) {
    if (option == command.get_help_ptr() || option->get_lnames().empty()) continue;
    std::string name = "--" + option->get_lnames().front();
    if (auto found = group_of.find(name); found != group_of.end()) {
      option->group(found->second);
    } else if (name.rfind("--prometheus-", 0) == 0) {
      option->group("Prometheus");
    } else if (policy_flags.count(name)) {
      option->group("Policy");
    } else {
      option->group("Output");
    }
  }
}

void add_pipeline_options(CLI::App& command, PipelineOptions& options) {
  command
      .add_option("--samples", options.sample_files,
                  "recorded metrics, JSON Lines of PodMetricsList (repeatable; - for stdin)")
      ->type_name("FILE");
  PrometheusFlags& prom = options.prometheus;
  command.add_option("--prometheus", prom.url, "read the history from Prometheus at this URL")
      ->type_name("URL");
  command.add_option("--history", prom.history, "with --prometheus: how far back (default 14d)")
      ->type_name("DURATION");
  command.add_option("--step", prom.step, "with --prometheus: time between points (default 1m)")
      ->type_name("DURATION");
  command.add_option("--rate-window", prom.rate_window, "with --prometheus: CPU rate() window")
      ->type_name("DURATION");
  command.add_option("--prometheus-end", prom.end, "with --prometheus: end of the history (now)")
      ->type_name("TIME");
  command.add_option("--prometheus-label", prom.labels, "NAME=VALUE on every series (repeatable)")
      ->type_name("LABEL");
  command.add_option("--prometheus-token-file", prom.token_file, "bearer token file")
      ->type_name("FILE");
  command.add_option("--prometheus-basic-auth-file", prom.basic_auth_file, "user:password file")
      ->type_name("FILE");
  command
      .add_option("--prometheus-header", prom.headers, "extra 'Name: value' header (repeatable)")
      ->type_name("HEADER");
  command.add_option("--prometheus-ca", prom.ca_file, "CA certificates to trust")
      ->type_name("FILE");
  command.add_flag("--prometheus-insecure", prom.insecure, "do not verify the TLS certificate");
  command.add_flag("--prometheus-gzip", prom.gzip,
                   "ask for gzip answers (for slow links; costs Prometheus CPU)");
  command.add_option("--prometheus-concurrency", prom.concurrency, "queries in flight (default 2)")
      ->type_name("N");
  command
      .add_option("--store", options.store_paths,
                  "the history store `podfit collect --store` fills (instead of --samples); "
                  "repeat it for the stores of sharded collectors")
      ->type_name("PATH");
  command
      .add_option(
          "-f,--filename", options.manifest_paths,
          "manifest files or folders (recursive *.yaml, *.yml, *.json), like kubectl apply -f")
      ->type_name("PATH");
  command
      .add_option("-k,--kustomize", options.kustomize_dirs,
                  "a kustomization folder (an overlay): its rendered objects, as kubectl "
                  "kustomize prints them, are the manifests")
      ->type_name("DIR");
  command
      .add_option("--chart", options.helm.chart_dir,
                  "a Helm chart folder: what `helm template` renders with --values are the "
                  "manifests, and patch edits the values file (docs/manifest.md)")
      ->type_name("DIR");
  command
      .add_option("--values", options.helm.values_files,
                  "with --chart: a values file, as helm -f (repeat; patch edits the last one)")
      ->type_name("FILE");
  command.add_option("--release", options.helm.release, "with --chart: the release name")
      ->type_name("NAME");
  command
      .add_option("--rendered", options.helm.rendered_file,
                  "with --chart: what `helm template` printed, when helm is not installed")
      ->type_name("FILE");
  command.add_flag("-R,--recursive", options.recursive,
                   "as kubectl's: folders given to -f are always read recursively");
  add_from_cluster_options(command, options);
  command.add_flag("--live", options.live,
                   "read owners, current requests/limits and OOM kills from the cluster");
  add_kube_options(command, options.kube);
  command.add_option("--policy", options.policy_file, "YAML file of policy settings")
      ->type_name("FILE");
  const policy::PolicyOptions defaults;
  for (const policy::SettingDoc& setting : policy::setting_docs()) {
    if (!setting.flag) continue;
    std::string key = setting.key;
    std::string help = setting.help + " (default " + policy::setting_text(defaults, key) + ")";
    command
        .add_option_function<std::string>(
            "--" + key,
            [&options, key](const std::string& value) { options.policy_flags[key] = value; }, help)
        ->type_name("VALUE");
  }
}

namespace {

bool names_no_namespace(const std::vector<manifest::ManifestFile>& manifests) {
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      if (workload.ref.namespace_name.empty()) return true;
    }
  }
  return false;
}

// -n; without it (and without -A) the kubeconfig context's namespace, which is where
// `kubectl apply` sends a manifest that names none.
history::AttributionOptions attribution_options(
    const KubeFlags& flags, const std::vector<manifest::ManifestFile>& manifests,
    std::ostream& diagnostics) {
  history::AttributionOptions attribution;
  if (flags.all_namespaces) return attribution;
  attribution.namespace_name = flags.namespace_name;
  if (!attribution.namespace_name.empty() || !names_no_namespace(manifests)) return attribution;
  kube::LoadOptions load = kube::options_from_environment();
  load.kubeconfig_flag = flags.kubeconfig;
  load.context_flag = flags.context;
  auto context = kube::context_namespace(load);
  if (!context) {
    diagnostics << "podfit: warning: " << context.error().message
                << " (manifests that name no namespace go to their pods' namespace)\n";
    return attribution;
  }
  attribution.context_namespace = context->namespace_name;
  attribution.context_name = context->context;
  return attribution;
}

}  // namespace

PipelineInputs load_inputs(const PipelineOptions& options, std::ostream& diagnostics,
                           const BacktestReading* backtest) {
  PipelineInputs inputs;
  inputs.policy = load_policy(options);
  bool samples_from_stdin = std::find(options.sample_files.begin(), options.sample_files.end(),
                                      "-") != options.sample_files.end();
  bool manifests_from_stdin =
      std::find(options.manifest_paths.begin(), options.manifest_paths.end(), "-") !=
      options.manifest_paths.end();
  if (samples_from_stdin && manifests_from_stdin) {
    throw Failure(ExitCode::usage, "--samples - and -f - cannot both read standard input");
  }
  inputs.history = load_history(options, inputs.policy.base, backtest, diagnostics);
  // -n and -l choose pods of any history, not only of the cluster.
  std::string namespace_name = options.kube.all_namespaces ? "" : options.kube.namespace_name;
  LabelSelector selector = must(parse_label_selector(options.kube.selector), ExitCode::usage);
  if (!namespace_name.empty() || !selector.empty()) {
    history::keep_pods(inputs.history, namespace_name, selector);
    if (inputs.history.samples.point_count() == 0 && inputs.history.sketches.empty()) {
      throw Failure(ExitCode::fatal,
                    "no samples of pods" +
                        (namespace_name.empty() ? "" : " in namespace \"" + namespace_name + "\"") +
                        (selector.empty() ? "" : " matching -l " + options.kube.selector));
    }
  }
  inputs.manifests = load_manifests(options, diagnostics, inputs.history.input_problems);
  if (!options.helm.chart_dir.empty()) {
    manifest::HelmSource source = options.helm;
    if (source.namespace_name.empty() && !options.kube.all_namespaces) {
      source.namespace_name = options.kube.namespace_name;
    }
    inputs.helm = must(manifest::render_helm(source));
    for (manifest::ManifestFile& file : inputs.helm->rendered) inputs.manifests.push_back(file);
  } else if (!options.helm.values_files.empty() || !options.helm.rendered_file.empty()) {
    throw Failure(ExitCode::usage, "--values and --rendered go with --chart DIR");
  }
  if (options.live) {
    KubeConnection connection = connect_to_cluster(options.kube);
    history::add_live_state(inputs.history,
                            must(kube::read_live_state(*connection.client, connection.scope)));
  }
  history::attribute(inputs.history, inputs.manifests,
                     attribution_options(options.kube, inputs.manifests, diagnostics));
  for (const std::string& notice : inputs.history.notices) {
    diagnostics << "podfit: warning: " << notice << '\n';
  }
  for (const std::string& warning : inputs.history.attribution_warnings) {
    diagnostics << "podfit: warning: " << warning << '\n';
    ++inputs.history.input_problems;
  }
  return inputs;
}

PipelineResult run_pipeline(const PipelineOptions& options, std::ostream& diagnostics) {
  PipelineResult result;
  if (options.from_cluster) {  // recommendations as published; current values from -f
    result.manifests = load_manifests(options, diagnostics, result.input_problems);
    result.recommendations = published_recommendations(options, result.manifests, diagnostics);
    return result;
  }
  PipelineInputs inputs = load_inputs(options, diagnostics);
  result.recommendations = policy::recommend_all(inputs.history, inputs.policy);
  result.input_problems = inputs.history.input_problems;
  result.deployed_namespaces = inputs.history.deployed_namespaces;
  result.manifests = std::move(inputs.manifests);
  result.history = std::move(inputs.history);
  result.helm = std::move(inputs.helm);
  return result;
}

bool stdout_wants_color() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return isatty(STDOUT_FILENO) == 1;
}

}  // namespace podfit::cli

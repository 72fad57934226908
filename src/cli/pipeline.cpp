#include "cli/pipeline.hpp"

#include "cli/events.hpp"
#include "cli/published.hpp"
#include "podfit/kube/live.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "podfit/core/attribution.hpp"
#include "podfit/core/sample_set.hpp"
#include "podfit/source/prometheus.hpp"
#include "podfit/source/recorded.hpp"
#include "podfit/stats/summary.hpp"

namespace podfit::cli {

namespace {

// The CLI flags that map one-to-one onto policy settings (docs/policy.md).
constexpr const char* kPolicyFlags[][2] = {
    {"cpu-limit", "CPU limits: set (default), keep the current one, or none (remove)"},
    {"qos", "burstable (default) or guaranteed (every limit equals its request)"},
    {"min-change", "keep a value whose change is smaller than this (default 10%)"},
    {"min-samples", "fewer samples than this: no recommendation (default 20)"},
    {"min-duration", "less time covered than this: no recommendation (default 10m)"},
    {"cpu-request-margin", "multiplier on the CPU request statistic (default 1.15)"},
    {"memory-request-margin", "multiplier on the memory request statistic (default 1.15)"},
    {"cpu-limit-margin", "multiplier on the CPU limit statistic (default 1.25)"},
    {"memory-limit-margin", "multiplier on the memory limit statistic (default 1.25)"},
    {"half-life", "weight samples by age, halving per DURATION, e.g. 24h (default off)"},
};

policy::PolicyOptions load_policy(const PipelineOptions& options) {
  policy::PolicyOptions policy;
  if (!options.policy_file.empty()) {
    auto settings = manifest::load_settings_file(options.policy_file);
    if (!settings) throw Failure(ExitCode::fatal, settings.error().message);
    auto applied = policy::apply_settings(policy, *settings, options.policy_file);
    if (!applied) throw Failure(ExitCode::fatal, applied.error().message);
    policy = *applied;
  }
  auto applied = policy::apply_settings(policy, options.policy_flags, "command line");
  if (!applied) throw Failure(ExitCode::usage, applied.error().message);
  return *applied;
}

// Needs inputs.policy (load_policy) to know whether hours must stay apart.
void load_store(const PipelineOptions& options, PipelineInputs& inputs) {
  auto opened = store::Store::open(options.store_path, store::OpenMode::read_only);
  if (!opened) throw Failure(ExitCode::fatal, opened.error().message);
  // Decay weighs each hour by its age; without it, one sketch per container will do.
  auto history = opened->read_all({.merge_hours = inputs.policy.half_life_seconds == 0});
  if (!history) throw Failure(ExitCode::fatal, history.error().message);
  if (history->samples.point_count() == 0 && history->sketches.empty()) {
    throw Failure(ExitCode::fatal, options.store_path + ": the store holds no samples yet");
  }
  inputs.samples = std::move(history->samples);
  inputs.sketches = std::move(history->sketches);
  inputs.cluster_resources = std::move(history->resources);
  inputs.events = std::move(history->events);
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
    auto end = source::parse_rfc3339_ns(flags.end);
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

// Samples, and owners from kube-state-metrics, read from Prometheus.
source::PrometheusLoad load_prometheus(const PrometheusFlags& flags, std::ostream& diagnostics,
                                       std::size_t& problems) {
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
  auto load = source::load_from_prometheus(source::make_prometheus_http_api(connection),
                                           prometheus_query_options(flags));
  if (!load) throw Failure(ExitCode::fatal, load.error().message);
  for (const std::string& warning : load->warnings) {
    diagnostics << "podfit: warning: " << warning << '\n';
  }
  problems += load->problems;
  const source::PrometheusQueryStats& stats = load->stats;
  diagnostics << "podfit: note: " << flags.url << ": " << stats.queries << " queries, "
              << stats.bytes_total / 1'000'000 << " MB received, the largest answer "
              << stats.bytes_max / 1'000 << " kB, " << stats.retries << " retried\n";
  for (const source::ContainerSignals& signal : load->signals) {
    const PodRecord& pod = load->samples.pods()[signal.pod];
    std::string name =
        pod.namespace_name + "/" + pod.name + ": container \"" + signal.container + "\"";
    if (signal.oom_killed && !signal.memory_limit_bytes) {
      diagnostics << "podfit: note: " << name
                  << " was OOM-killed, but its memory limit is unknown (no "
                     "kube_pod_container_resource_limits): memory not raised for it\n";
    }
    if (signal.throttled_fraction && *signal.throttled_fraction >= 0.1) {
      diagnostics << "podfit: note: " << name << " was CPU-throttled in "
                  << static_cast<int>(*signal.throttled_fraction * 100) << "% of periods\n";
    }
  }
  if (load->samples.point_count() == 0) {
    throw Failure(ExitCode::fatal, flags.url + ": no step had both CPU and memory samples");
  }
  return std::move(*load);
}

// Restarts and OOM kills kube-state-metrics reported, as the events the policy reads:
// one per restarted container of a pod, like --live.
std::vector<store::ContainerEvent> prometheus_events(const source::PrometheusLoad& load) {
  std::vector<store::ContainerEvent> events;
  for (const source::ContainerSignals& signal : load.signals) {
    if (signal.restarts <= 0 && !signal.oom_killed) continue;
    const PodRecord& pod = load.samples.pods()[signal.pod];
    store::ContainerEvent event;
    event.namespace_name = pod.namespace_name;
    event.pod = pod.name;
    event.container = signal.container;
    event.reason = signal.oom_killed ? "OOMKilled" : "";
    event.restart_count = static_cast<int>(signal.restarts);
    event.memory_limit_bytes = signal.memory_limit_bytes;
    events.push_back(std::move(event));
  }
  return events;
}

// kube-state-metrics names pod labels label_<sanitized key>; match selectors the same way.
std::vector<WorkloadMatcher> with_prometheus_label_names(std::vector<WorkloadMatcher> matchers) {
  for (WorkloadMatcher& matcher : matchers) {
    Labels names;
    for (const auto& [key, value] : matcher.selector.match_labels) {
      names[source::prometheus_label_name(key)] = value;
    }
    matcher.selector.match_labels = std::move(names);
    for (LabelRequirement& requirement : matcher.selector.match_expressions) {
      requirement.key = source::prometheus_label_name(requirement.key);
    }
  }
  return matchers;
}

SampleSet load_samples(const PipelineOptions& options, std::ostream& diagnostics,
                       std::size_t& problems) {
  SampleSet samples;
  for (const std::string& path : options.sample_files) {
    auto summary = source::read_recorded_file(path, samples);
    if (!summary) throw Failure(ExitCode::fatal, summary.error().message);
    for (const std::string& warning : summary->warnings) {
      diagnostics << "podfit: warning: " << warning << '\n';
    }
    if (summary->skipped > 0) {
      diagnostics << "podfit: warning: " << path << ": skipped " << summary->skipped << " of "
                  << summary->lines << " lines\n";
      problems += summary->skipped;
    }
  }
  samples.finalize();
  if (samples.point_count() == 0) {
    throw Failure(ExitCode::fatal, "no usable samples in the --samples input");
  }
  return samples;
}

std::vector<manifest::ManifestFile> load_manifests(const PipelineOptions& options,
                                                   std::ostream& diagnostics,
                                                   std::size_t& problems) {
  std::vector<manifest::ManifestFile> manifests;
  if (options.manifest_paths.empty()) return manifests;
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

std::vector<WorkloadMatcher> matchers_of(const std::vector<manifest::ManifestFile>& manifests) {
  std::vector<WorkloadMatcher> matchers;
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      matchers.push_back(WorkloadMatcher{workload.ref, workload.selector});
    }
  }
  return matchers;
}

}  // namespace

Resources current_resources(const std::vector<manifest::ManifestFile>& manifests,
                            const WorkloadRef& ref, const std::string& container) {
  for (const auto& file : manifests) {
    for (const auto& workload : file.workloads) {
      if (workload.ref != ref) continue;
      for (const auto& spec : workload.containers) {
        if (spec.name == container) return spec.current;
      }
    }
  }
  return {};
}

void add_pipeline_options(CLI::App& command, PipelineOptions& options) {
  command.add_flag("--live", options.live,
                   "read owners, current requests/limits and OOM kills from the cluster");
  add_kube_options(command, options.kube);
  add_from_cluster_options(command, options);
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
      .add_option("--store", options.store_path,
                  "the history store `podfit collect --store` fills (instead of --samples)")
      ->type_name("PATH");
  command
      .add_option("-f,--filename", options.manifest_paths,
                  "manifest files or folders (recursive *.yaml, *.yml), like kubectl apply -f")
      ->type_name("PATH");
  command.add_option("--policy", options.policy_file, "YAML file of policy settings")
      ->type_name("FILE");
  for (const auto& [name, help] : kPolicyFlags) {
    std::string key = name;
    command
        .add_option_function<std::string>(
            "--" + key,
            [&options, key](const std::string& value) { options.policy_flags[key] = value; }, help)
        ->type_name("VALUE");
  }
}

namespace {

// What the collector last saw in the cluster, for containers no manifest names.
Resources cluster_resources(const PipelineInputs& inputs, const WorkloadRef& ref,
                            const std::string& container) {
  for (const store::WorkloadResources& entry : inputs.cluster_resources) {
    if (entry.workload == ref && entry.container == container) return entry.current;
  }
  return {};
}

// --live: what the cluster says now. Owners replace name-based attribution (never a
// manifest's selector match); live resources come before any the store recorded; OOM
// kills and restarts are events.
void apply_live_state(const PipelineOptions& options, PipelineInputs& inputs) {
  KubeConnection connection = connect_to_cluster(options.kube);
  auto state = kube::read_live_state(*connection.client, connection.scope);
  if (!state) throw Failure(ExitCode::fatal, state.error().message);
  std::map<std::pair<std::string, std::string>, const kube::LivePod*> by_name;
  for (const kube::LivePod& pod : state->pods) by_name[{pod.namespace_name, pod.name}] = &pod;
  std::vector<WorkloadRef> named = attribute_pods(inputs.samples, {});
  std::vector<store::WorkloadResources> live_resources;
  for (std::size_t i = 0; i < inputs.samples.pods().size(); ++i) {
    const PodRecord& record = inputs.samples.pods()[i];
    auto found = by_name.find({record.namespace_name, record.name});
    if (found == by_name.end()) continue;
    const kube::LivePod& pod = *found->second;
    if (inputs.workload_of_pod[i] == named[i]) inputs.workload_of_pod[i] = pod.owner;
    for (const kube::LiveContainer& container : pod.containers) {
      live_resources.push_back({inputs.workload_of_pod[i], container.name, container.current});
      if (container.restart_count == 0) continue;
      inputs.events.push_back(to_store_event(kube::event_of(pod, container)));
    }
  }
  inputs.cluster_resources.insert(inputs.cluster_resources.begin(), live_resources.begin(),
                                  live_resources.end());
}

}  // namespace

PipelineInputs load_inputs(const PipelineOptions& options, std::ostream& diagnostics) {
  PipelineInputs inputs;
  bool prometheus = !options.prometheus.url.empty();
  int sources = !options.sample_files.empty() + !options.store_path.empty() + prometheus;
  if (sources != 1) {
    throw Failure(ExitCode::usage,
                  sources == 0
                      ? "no usage data: give --samples FILE, --store PATH or --prometheus URL"
                      : "give one of --samples, --store and --prometheus");
  }
  inputs.policy = load_policy(options);
  source::PrometheusLoad from_prometheus;
  if (prometheus) {
    from_prometheus = load_prometheus(options.prometheus, diagnostics, inputs.input_problems);
    inputs.events = prometheus_events(from_prometheus);
    inputs.samples = std::move(from_prometheus.samples);
  } else if (options.store_path.empty()) {
    inputs.samples = load_samples(options, diagnostics, inputs.input_problems);
    for (const std::string& path : options.sample_files) {
      auto events = read_events_beside(path, diagnostics, inputs.input_problems);
      inputs.events.insert(inputs.events.end(), events.begin(), events.end());
    }
  } else {
    load_store(options, inputs);
  }
  inputs.manifests = load_manifests(options, diagnostics, inputs.input_problems);
  auto matchers = matchers_of(inputs.manifests);
  if (prometheus) matchers = with_prometheus_label_names(std::move(matchers));
  inputs.workload_of_pod = attribute_pods(inputs.samples, matchers);
  if (prometheus) {
    // The owner kube-state-metrics names beats the pod name, but not a manifest's selector.
    std::vector<WorkloadRef> by_name = attribute_pods(inputs.samples, {});
    for (const auto& [pod, owner] : from_prometheus.owner_of_pod) {
      if (inputs.workload_of_pod[pod] == by_name[pod]) inputs.workload_of_pod[pod] = owner;
    }
  }
  if (options.live) apply_live_state(options, inputs);
  return inputs;
}

PipelineResult run_pipeline(const PipelineOptions& options, std::ostream& diagnostics) {
  if (options.from_cluster) {  // recommendations as published; current values from -f
    PipelineResult published;
    published.manifests = load_manifests(options, diagnostics, published.input_problems);
    published.recommendations =
        published_recommendations(options, published.manifests, diagnostics);
    return published;
  }
  PipelineInputs inputs = load_inputs(options, diagnostics);
  PipelineResult result;
  result.input_problems = inputs.input_problems;
  std::vector<stats::SketchedHour> hours;
  for (const store::HourSketch& sketch : inputs.sketches) {
    hours.push_back({sketch.pod, sketch.container, sketch.hour_start_ns, &sketch.cpu,
                     &sketch.memory, sketch.end_ns});
  }
  auto events = events_by_container(inputs.events, inputs.samples, inputs.workload_of_pod);
  for (const stats::ContainerStats& stats : stats::compute_history_stats(
           inputs.samples, hours, inputs.workload_of_pod, inputs.policy.half_life_seconds)) {
    Resources current = current_resources(inputs.manifests, stats.workload, stats.container);
    if (current.empty()) current = cluster_resources(inputs, stats.workload, stats.container);
    auto seen = events.find({stats.workload, stats.container});
    result.recommendations.push_back(
        policy::recommend(stats, current, inputs.policy,
                          seen == events.end() ? policy::ContainerEvents{} : seen->second));
  }
  result.manifests = std::move(inputs.manifests);
  return result;
}

bool stdout_wants_color() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return isatty(STDOUT_FILENO) == 1;
}

}  // namespace podfit::cli

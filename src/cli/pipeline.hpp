// The offline pipeline shared by `recommend` and `patch`:
// recorded samples + manifests -> attribution -> statistics -> policy.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/kube_options.hpp"

#include "podfit/core/time_parts.hpp"
#include "podfit/history/history.hpp"
#include "podfit/manifest/helm.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/policy/policy.hpp"
#include "podfit/policy/workload_policy.hpp"

namespace podfit::cli {

// --prometheus URL and its options (docs/prometheus.md).
struct PrometheusFlags {
  std::string url;
  std::string history = "14d";
  std::string step = "1m";
  std::string rate_window;          // default: max(step, 2m)
  std::string end;                  // RFC 3339; default now
  std::vector<std::string> labels;  // NAME=VALUE matchers on every series
  std::string token_file;
  std::string basic_auth_file;       // one line "user:password"
  std::vector<std::string> headers;  // "Name: value"
  std::string ca_file;
  bool insecure = false;
  bool gzip = false;  // ask for compressed answers
  unsigned concurrency = 2;
};

struct PipelineOptions {
  PrometheusFlags prometheus;  // --prometheus: history from Prometheus instead of --samples
  std::vector<std::string> sample_files;
  // --store (repeatable: the stores of sharded collectors, merged): instead of --samples
  std::vector<std::string> store_paths;
  std::vector<std::string> manifest_paths;
  std::vector<std::string> kustomize_dirs;  // -k: overlays, rendered by kubectl kustomize
  manifest::HelmSource helm;  // --chart DIR [--values FILE]... [--release] [--rendered FILE]
  bool recursive = false;     // -R: accepted as kubectl has it; folders are always recursive
  std::string policy_file;
  std::map<std::string, std::string> policy_flags;  // settings given as flags
  bool live = false;             // owners, current resources and OOM kills from the cluster
  KubeFlags kube;                // how to reach it (--kubeconfig, --context, -n, -A, -l)
  bool from_cluster = false;     // the published report instead of any history (published.hpp)
  std::string report_configmap;  // --report-configmap [NS/]NAME; empty: podfit/podfit-report
};

// Everything the pipeline reads, with each pod attributed to its workload.
struct PipelineInputs {
  policy::PolicySet policy;  // the run's settings and the --policy file's rules
  history::History history;  // attributed; its input_problems include the manifests'
  std::vector<manifest::ManifestFile> manifests;
  std::optional<manifest::HelmRender> helm;  // --chart: where each container's values are
};

struct PipelineResult {
  std::vector<manifest::ManifestFile> manifests;
  std::vector<policy::Recommendation> recommendations;
  std::size_t input_problems = 0;  // skipped lines and manifests reported on stderr
  // Namespace-less manifests and where they are deployed (history::is_manifest_workload).
  std::map<WorkloadRef, std::string> deployed_namespaces;
  history::History history;  // what the recommendations came from (empty: --from-cluster)
  std::optional<manifest::HelmRender> helm;
};

// Adds --samples, --store, -f, --policy and the policy flags to `command`.
void add_pipeline_options(CLI::App& command, PipelineOptions& options);

// Sorts `command`'s options into the --help groups Input, Cluster, Prometheus, Policy,
// Backtest and Output (anything else). Call it after the last option is added.
void group_options(CLI::App& command);

// How a backtest reads its history: `parts` where it cuts time, when known before
// reading (a store's covered time is); the store is then read part by part
// (history::load_stores_in_parts). Otherwise every raw point stays raw and every
// compacted hour apart, since the backtest slices them by time.
struct BacktestReading {
  TimeParts parts;
  std::int64_t prometheus_end_ns = 0;  // the last step the parts were cut for (0: now)
};

// The steps a Prometheus backtest reads (--history back from --prometheus-end or now),
// with that end fixed in `reading`, so the parts and the queries agree.
history::TimeSpan prometheus_backtest_span(const PrometheusFlags& flags, BacktestReading& reading);

// Reads policy, history and manifests and attributes the pods, writing warnings to
// `diagnostics`; `backtest`: for a backtest. Throws podfit::Failure when nothing usable
// can be read.
PipelineInputs load_inputs(const PipelineOptions& options, std::ostream& diagnostics,
                           const BacktestReading* backtest = nullptr);

// Runs the pipeline, writing warnings to `diagnostics`. Throws podfit::Failure
// when it cannot produce anything (no readable samples, bad policy).
PipelineResult run_pipeline(const PipelineOptions& options, std::ostream& diagnostics);

// True when standard output is a terminal and NO_COLOR is unset.
bool stdout_wants_color();

}  // namespace podfit::cli

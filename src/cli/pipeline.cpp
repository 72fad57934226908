#include "cli/pipeline.hpp"

#include <unistd.h>

#include <cstdlib>

#include "podfit/core/attribution.hpp"
#include "podfit/core/sample_set.hpp"
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
  for (const std::string& path : *paths) {
    auto file = manifest::load_manifest(path);
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
  command
      .add_option("--samples", options.sample_files,
                  "recorded metrics, JSON Lines of PodMetricsList (repeatable; - for stdin)")
      ->required()
      ->type_name("FILE");
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

PipelineInputs load_inputs(const PipelineOptions& options, std::ostream& diagnostics) {
  PipelineInputs inputs;
  inputs.policy = load_policy(options);
  inputs.samples = load_samples(options, diagnostics, inputs.input_problems);
  inputs.manifests = load_manifests(options, diagnostics, inputs.input_problems);
  inputs.workload_of_pod = attribute_pods(inputs.samples, matchers_of(inputs.manifests));
  return inputs;
}

PipelineResult run_pipeline(const PipelineOptions& options, std::ostream& diagnostics) {
  PipelineInputs inputs = load_inputs(options, diagnostics);
  PipelineResult result;
  result.input_problems = inputs.input_problems;
  for (const stats::ContainerStats& stats :
       stats::compute_container_stats(inputs.samples, inputs.workload_of_pod)) {
    Resources current = current_resources(inputs.manifests, stats.workload, stats.container);
    result.recommendations.push_back(policy::recommend(stats, current, inputs.policy));
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

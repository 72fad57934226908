// The offline pipeline shared by `recommend` and `patch`:
// recorded samples + manifests -> attribution -> statistics -> policy.
#pragma once

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "podfit/manifest/manifest.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::cli {

struct PipelineOptions {
  std::vector<std::string> sample_files;
  std::vector<std::string> manifest_paths;
  std::string policy_file;
  std::map<std::string, std::string> policy_flags;  // settings given as flags
};

struct PipelineResult {
  std::vector<manifest::ManifestFile> manifests;
  std::vector<policy::Recommendation> recommendations;
  std::size_t input_problems = 0;  // skipped lines and manifests reported on stderr
};

// Adds --samples, -f, --policy and the policy flags to `command`.
void add_pipeline_options(CLI::App& command, PipelineOptions& options);

// Runs the pipeline, writing warnings to `diagnostics`. Throws podfit::Failure
// when it cannot produce anything (no readable samples, bad policy).
PipelineResult run_pipeline(const PipelineOptions& options, std::ostream& diagnostics);

// True when standard output is a terminal and NO_COLOR is unset.
bool stdout_wants_color();

}  // namespace podfit::cli

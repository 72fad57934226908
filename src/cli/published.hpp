// The report ConfigMap from the CLI: `recommend --publish-configmap NAME` writes it,
// `recommend/patch --from-cluster` read it instead of computing (docs/deploy.md).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/pipeline.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::cli {

// The ConfigMap's keys.
inline constexpr const char* kReportJsonKey = "recommendations.json";
inline constexpr const char* kReportMarkdownKey = "report.md";
inline constexpr const char* kReportPatchesKey = "strategic-patches.yaml";
inline constexpr const char* kReportHtmlKey = "report.html";

// --publish-configmap NAME on `recommend`.
void add_publish_option(CLI::App& command, std::string& configmap);

// Merge-patches the ConfigMap `configmap` ([NS/]NAME; NS defaults to -n, else the
// kubeconfig's or service account's namespace) with the JSON and Markdown reports and
// kubectl strategic patches and the HTML report (`html`; none when empty), plus
// podfit/generated-at and podfit/source annotations. Over 1 MiB in all, the keys go
// gzipped under binaryData. Throws podfit::Failure(fatal) naming the URL on any failure.
void publish_report(const std::string& configmap, const PipelineOptions& options,
                    const std::vector<policy::Recommendation>& recommendations,
                    const std::string& html, std::ostream& diagnostics);

// --from-cluster and --report-configmap on `recommend` and `patch`.
void add_from_cluster_options(CLI::App& command, PipelineOptions& options);

// The published recommendations, matched to the -f manifests' workloads, with the current
// values taken from those manifests (the published ones where no manifest has the
// container). Throws podfit::Failure.
std::vector<policy::Recommendation> published_recommendations(
    const PipelineOptions& options, const std::vector<manifest::ManifestFile>& manifests,
    std::ostream& diagnostics);

}  // namespace podfit::cli

// Writers for recommendations: table (default), JSON, CSV, Markdown.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::report {

enum class Format { table, json, csv, markdown };

Result<Format> parse_format(const std::string& name);

struct ReportOptions {
  Format format = Format::table;
  bool color = false;  // ANSI colour in the table (only on a terminal)
};

void write_report(std::ostream& out, const std::vector<policy::Recommendation>& recommendations,
                  const ReportOptions& options);

// `recommend -o json` text back to recommendations. Unknown fields are ignored and
// missing optional ones default, so a report from a newer podfit still reads.
// Errors name `origin` and the entry.
Result<std::vector<policy::Recommendation>> parse_recommendations_json(const std::string& text,
                                                                       const std::string& origin);

// kubectl strategic-merge patches for the recommendations that change something, one
// YAML document per workload, each after a comment with the `kubectl patch` command that
// applies it. Workloads whose kind podfit could not tell (DaemonSet|Job) are left out.
std::string kubectl_patches(const std::vector<policy::Recommendation>& recommendations);

// Published recommendations (from another run or the report ConfigMap) re-attached to
// the -f manifests: each to the manifest workload of its name, a kind it may be and its
// namespace (unless the manifest names none), with that manifest's current values.
void rebase_on_manifests(std::vector<policy::Recommendation>& recommendations,
                         const std::vector<manifest::ManifestFile>& manifests);

}  // namespace podfit::report

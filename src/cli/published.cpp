#include "cli/published.hpp"

#include <cctype>
#include <chrono>
#include <map>
#include <sstream>

#include "podfit/core/error.hpp"
#include "podfit/core/time.hpp"
#include "podfit/core/version.hpp"
#include "podfit/kube/configmap.hpp"
#include "podfit/report/report.hpp"

namespace podfit::cli {

namespace {

constexpr const char* kDefaultReportConfigMap = "podfit/podfit-report";

std::string report_text(const std::vector<policy::Recommendation>& recommendations,
                        report::Format format) {
  std::ostringstream out;
  report::ReportOptions options;
  options.format = format;
  report::write_report(out, recommendations, options);
  return out.str();
}

std::string source_of(const PipelineOptions& options) {
  if (!options.store_paths.empty()) {
    std::string stores;
    for (const std::string& path : options.store_paths) stores += (stores.empty() ? "" : " ") + path;
    return "store " + stores;
  }
  if (!options.prometheus.url.empty()) return "prometheus " + options.prometheus.url;
  std::string files;
  for (const std::string& file : options.sample_files) files += (files.empty() ? "" : ",") + file;
  return "samples " + files;
}

std::string now_rfc3339() {
  std::int64_t now = now_ns();
  return format_rfc3339(now - now % 1'000'000'000LL);
}

}  // namespace

void add_publish_option(CLI::App& command, std::string& configmap) {
  command
      .add_option("--publish-configmap", configmap,
                  "also write the JSON and Markdown reports and kubectl patches into this "
                  "existing ConfigMap ([NS/]NAME, docs/deploy.md)")
      ->type_name("NAME");
}

void publish_report(const std::string& configmap, const PipelineOptions& options,
                    const std::vector<policy::Recommendation>& recommendations,
                    const std::string& html, std::ostream& diagnostics) {
  KubeConnection connection = connect_to_cluster(options.kube);
  auto ref = kube::parse_configmap_ref(configmap, connection.scope.namespace_name);
  if (!ref) throw Failure(ExitCode::usage, "--publish-configmap: " + ref.error().message);
  std::map<std::string, std::string> keys = {
      {kReportJsonKey, report_text(recommendations, report::Format::json)},
      {kReportMarkdownKey, report_text(recommendations, report::Format::markdown)},
      {kReportPatchesKey, report::kubectl_patches(recommendations)}};
  if (!html.empty()) keys[kReportHtmlKey] = html;
  kube::ConfigMapUpdate update = kube::report_update(keys);
  // The charts cost ~0.7 kB per container gzipped: a report that fits only without them
  // is published without them, and says so, rather than not at all.
  if (!html.empty() && kube::configmap_update_bytes(update) > kube::kConfigMapMaxBytes) {
    diagnostics << "podfit: warning: with report.html (" << html.size()
                << " bytes) the report does not fit the ConfigMap even gzipped; published "
                   "without it (write it with --html FILE)\n";
    keys.erase(kReportHtmlKey);
    update = kube::report_update(keys);
    update.removed.push_back(kReportHtmlKey);
    update.removed.push_back(std::string(kReportHtmlKey) + kube::kGzipSuffix);
  }
  std::map<std::string, std::string> annotations = {{"podfit/generated-at", now_rfc3339()},
                                                    {"podfit/source", source_of(options)},
                                                    {"podfit/version", kVersion}};
  auto patched = kube::patch_configmap(*connection.client, *ref, update, annotations);
  if (!patched) throw Failure(ExitCode::fatal, patched.error().message);
  diagnostics << "podfit: published " << recommendations.size() << " recommendations ("
              << kube::configmap_update_bytes(update) << " bytes"
              << (update.binary_data.empty() ? ""
                                             : ", gzipped under binaryData: over 1 MiB as text")
              << ") to configmap " << ref->namespace_name << "/" << ref->name << '\n';
}

void add_from_cluster_options(CLI::App& command, PipelineOptions& options) {
  command.add_flag("--from-cluster", options.from_cluster,
                   "use the recommendations the in-cluster report published (no history needed)");
  command
      .add_option("--report-configmap", options.report_configmap,
                  std::string("with --from-cluster: the report ConfigMap [NS/]NAME (default ") +
                      kDefaultReportConfigMap + ")")
      ->type_name("NAME");
}

std::vector<policy::Recommendation> published_recommendations(
    const PipelineOptions& options, const std::vector<manifest::ManifestFile>& manifests,
    std::ostream& diagnostics) {
  if (!options.sample_files.empty() || !options.store_paths.empty() ||
      !options.prometheus.url.empty() || options.live || !options.policy_file.empty() ||
      !options.policy_flags.empty()) {
    throw Failure(ExitCode::usage,
                  "--from-cluster uses the published recommendations: it does not go with "
                  "--samples, --store, --prometheus, --live or policy settings");
  }
  KubeConnection connection = connect_to_cluster(options.kube);
  std::string name =
      options.report_configmap.empty() ? kDefaultReportConfigMap : options.report_configmap;
  auto ref = kube::parse_configmap_ref(name, connection.scope.namespace_name);
  if (!ref) throw Failure(ExitCode::usage, "--report-configmap: " + ref.error().message);
  auto content = kube::read_configmap(*connection.client, *ref);
  if (!content) throw Failure(ExitCode::fatal, content.error().message);
  std::string origin = "configmap " + ref->namespace_name + "/" + ref->name;
  auto json = kube::report_file(*content, kReportJsonKey, origin);
  if (!json) throw Failure(ExitCode::fatal, json.error().message);
  if (!*json) {
    throw Failure(ExitCode::fatal,
                  origin + " has no " + kReportJsonKey +
                      " yet: the report CronJob has not run (kubectl -n " + ref->namespace_name +
                      " create job --from=cronjob/podfit-report podfit-report-now)");
  }
  auto recommendations = report::parse_recommendations_json(**json, origin + " " + kReportJsonKey);
  if (!recommendations) throw Failure(ExitCode::fatal, recommendations.error().message);
  auto& annotations = content->annotations;
  diagnostics << "podfit: note: recommendations from " << origin << ", generated "
              << (annotations.count("podfit/generated-at") ? annotations["podfit/generated-at"]
                                                           : std::string("at an unknown time"))
              << (annotations.count("podfit/source") ? " from " + annotations["podfit/source"]
                                                     : std::string())
              << '\n';
  report::rebase_on_manifests(*recommendations, manifests);
  return std::move(*recommendations);
}

}  // namespace podfit::cli

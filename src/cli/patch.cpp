// podfit patch: the recommendations as a minimal diff of the user's manifests.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/html_output.hpp"
#include "cli/pipeline.hpp"
#include "podfit/core/parallel.hpp"
#include "podfit/history/history.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/overlay.hpp"
#include "podfit/report/html_report.hpp"
#include "podfit/report/patch_plan.hpp"
#include "podfit/report/side_edits.hpp"

namespace podfit::cli {

namespace {

struct PatchOptions {
  PipelineOptions pipeline;
  std::string format = "diff";
  std::string color = "auto";
  bool write = false;
  bool check = false;
  bool edit_base = false;  // -k: edit the base's file rather than add an overlay patch
  std::string html_file;   // --html FILE
};

using Deployed = std::map<WorkloadRef, std::string>;
using report::changes_for;
using report::edit_file;
using report::place_autoscaler_targets;
using report::print_reason_lines;
using report::print_reasons;
using report::print_unplaced;

// The HTML report with, per container, the diff of its own change alone.
void write_patch_html(std::ostream& out, const PipelineResult& result, const std::string& cwd) {
  report::HtmlReport html;
  html.title = "podfit patch";
  html.generated_at = html_generated_at();
  html.containers = report::html_containers(result.recommendations, result.history);
  for (report::HtmlContainer& container : html.containers) {
    const policy::Recommendation& recommendation = *container.recommendation;
    if (!recommendation.changes()) continue;
    for (const manifest::ManifestFile& file : result.manifests) {
      if (file.path == "-" || !file.rendered_by.empty()) continue;
      for (const auto& workload : file.workloads) {
        if (!history::is_manifest_workload(workload.ref, recommendation.stats.workload,
                                           result.deployed_namespaces)) {
          continue;
        }
        auto patched = manifest::apply_changes(
            file, {{workload.ref, recommendation.stats.container, recommendation.recommended}});
        if (!patched || *patched == file.text) continue;
        container.diff +=
            manifest::unified_diff(manifest::diff_path(file.path, cwd), file.text, *patched, false);
      }
    }
  }
  report::write_html(out, html);
}

// --chart: the recommendations as a diff of the values file (docs/manifest.md). Returns
// the exit code.
int patch_values_file(const PatchOptions& options, PipelineResult& result, bool color,
                      const std::string& cwd) {
  const manifest::HelmRender& helm = *result.helm;
  auto original = manifest::read_whole_file(helm.values_file);
  if (!original) throw Failure(ExitCode::fatal, original.error().message);
  std::string edited = *original;
  std::ostringstream reasons, unplaced;
  std::size_t placed = 0, left = 0;
  for (const policy::Recommendation& recommendation : result.recommendations) {
    if (!recommendation.changes()) continue;
    const manifest::ValuesPlacement* found = nullptr;
    for (const manifest::ValuesPlacement& placement : helm.placements) {
      if (placement.container == recommendation.stats.container &&
          history::is_manifest_workload(placement.workload, recommendation.stats.workload,
                                        result.deployed_namespaces)) {
        found = &placement;
      }
    }
    std::string name =
        recommendation.stats.workload.display() + " container " + recommendation.stats.container;
    if (found == nullptr || !found->placed) {
      ++left;
      unplaced << "#   " << name << ": "
               << (found ? found->why : std::string("the chart does not render this workload"))
               << '\n';
      continue;
    }
    auto next = manifest::apply_values_change(helm.values_file, edited, found->keys,
                                              recommendation.recommended);
    if (!next) {
      ++left;
      unplaced << "#   " << name << ": " << next.error().message << '\n';
      ++result.input_problems;
      continue;
    }
    edited = std::move(*next);
    ++placed;
    reasons << "# " << name << " (" << recommendation.stats.samples << " samples; " << found->why
            << "):\n";
    print_reason_lines(reasons, recommendation.reason);
  }
  std::set<std::pair<WorkloadRef, std::size_t>> targets_written;
  place_autoscaler_targets(helm, result.recommendations, edited, reasons, unplaced, left,
                           targets_written);
  if (edited != *original) {
    std::cout << reasons.str()
              << manifest::unified_diff(manifest::diff_path(helm.values_file, cwd), *original,
                                        edited, color);
  }
  if (left > 0) {
    std::cout << "# Not placed in " << helm.values_file << ":\n" << unplaced.str();
  }
  left += report::print_unwritten_side_edits(std::cout, {}, result.recommendations,
                                             result.deployed_namespaces, targets_written);
  if (placed == 0 && left == 0) std::cerr << "podfit: no changes to propose\n";
  if (options.write && edited != *original) {
    for (const auto& written : manifest::write_files_atomically({{helm.values_file, edited}})) {
      if (!written) throw Failure(ExitCode::fatal, written.error().message);
    }
    std::cerr << "podfit: updated " << helm.values_file << '\n';
  }
  if (result.input_problems > 0) return static_cast<int>(ExitCode::partial);
  if (options.check && placed + left > 0) return static_cast<int>(ExitCode::changes_proposed);
  return static_cast<int>(ExitCode::ok);
}

// -k DIR: the recommendations written to the overlay's own layers (docs/manifest.md).
// Returns the exit code.
int patch_overlays(const PatchOptions& options, PipelineResult& result, bool color,
                   const std::string& cwd) {
  std::size_t changed = 0;
  std::vector<std::pair<std::string, std::string>> writes;
  for (const std::string& dir : options.pipeline.kustomize_dirs) {
    std::vector<manifest::RenderedChange> changes;
    std::vector<manifest::Workload> rendered;
    std::ostringstream reasons;
    for (const manifest::ManifestFile& file : result.manifests) {
      if (file.rendered_by.empty() || !file.rendered_by.ends_with(" " + dir)) continue;
      rendered.insert(rendered.end(), file.workloads.begin(), file.workloads.end());
      for (const manifest::Workload& workload : file.workloads) {
        for (const policy::Recommendation& recommendation : result.recommendations) {
          // A container the overlay does not render (a sidecar injected at admission) is
          // listed after the diff: a patch naming it would add it to the pod.
          auto spec = std::find_if(
              workload.containers.begin(), workload.containers.end(),
              [&](const auto& spec) { return spec.name == recommendation.stats.container; });
          if (!recommendation.changes() || spec == workload.containers.end() ||
              !history::is_manifest_workload(workload.ref, recommendation.stats.workload,
                                             result.deployed_namespaces)) {
            continue;
          }
          changes.push_back({workload.ref,
                             workload.api_version,
                             recommendation.stats.container,
                             recommendation.recommended,
                             spec->init_container,
                             spec->current,
                             {}});
          reasons << "# " << recommendation.stats.workload.display() << " container "
                  << recommendation.stats.container << " (" << recommendation.stats.samples
                  << " samples, rendered by -k " << dir << "):\n";
          print_reason_lines(reasons, recommendation.reason);
        }
      }
    }
    if (changes.empty()) continue;
    auto plan = manifest::plan_overlay_edits(dir, changes, rendered, options.edit_base);
    if (!plan) {
      std::cerr << "podfit: error: -k " << dir << ": " << plan.error().message
                << " (files left untouched)\n";
      ++result.input_problems;
      continue;
    }
    for (const std::string& unsettled : plan->unsettled) {
      // The diff still holds everything else; the exit code says it is not the whole story.
      std::cerr << "podfit: warning: -k " << dir << ": " << unsettled << '\n';
      ++result.input_problems;
    }
    std::cout << reasons.str();
    for (const manifest::FileEdit& edit : plan->edits) {
      if (std::any_of(writes.begin(), writes.end(),
                      [&](const auto& write) { return write.first == edit.path; })) {
        throw Failure(ExitCode::usage, edit.path +
                                           ": two -k overlays would both edit it (a "
                                           "base they share?): give them one at a time");
      }
      std::string path = manifest::diff_path(edit.path, cwd);
      std::cout << "# " << path << ": " << edit.why << "\n"
                << (edit.created ? manifest::new_file_diff(path, edit.after)
                                 : manifest::unified_diff(path, edit.before, edit.after, color));
      writes.emplace_back(edit.path, edit.after);
      ++changed;
    }
  }
  std::size_t unplaced = print_unplaced(std::cout, result.manifests, result.recommendations,
                                        result.deployed_namespaces, "in the diff");
  unplaced += report::print_unwritten_side_edits(std::cout, {}, result.recommendations,
                                                 result.deployed_namespaces);
  if (changed == 0 && unplaced == 0) std::cerr << "podfit: no changes to propose\n";
  if (options.write) {
    for (const auto& written : manifest::write_files_atomically(writes)) {
      if (!written) {
        std::cerr << "podfit: error: " << written.error().message << '\n';
        ++result.input_problems;
      }
    }
    if (!writes.empty()) std::cerr << "podfit: updated " << writes.size() << " file(s)\n";
  }
  if (result.input_problems > 0) return static_cast<int>(ExitCode::partial);
  if (options.check && changed + unplaced > 0) return static_cast<int>(ExitCode::changes_proposed);
  return static_cast<int>(ExitCode::ok);
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (mode == "auto") return stdout_wants_color();
  throw Failure(ExitCode::usage, "--color must be auto, always or never, not '" + mode + "'");
}

int run_patch(const PatchOptions& options) {
  if (options.pipeline.manifest_paths.empty() && options.pipeline.kustomize_dirs.empty() &&
      options.pipeline.helm.chart_dir.empty()) {
    throw Failure(ExitCode::usage,
                  "patch needs manifests: -f PATH (files or folders), -k DIR (an overlay) or "
                  "--chart DIR (a Helm chart)");
  }
  if (!options.pipeline.kustomize_dirs.empty() && !options.pipeline.manifest_paths.empty() &&
      options.format == "diff") {
    throw Failure(ExitCode::usage,
                  "patch -k edits the overlay's own files: give -k without -f (or -o strategic)");
  }
  if (options.format != "diff" && options.format != "strategic" && options.format != "html") {
    throw Failure(ExitCode::usage,
                  "-o must be diff, strategic or html, not '" + options.format + "'");
  }
  if (options.edit_base && options.pipeline.kustomize_dirs.empty()) {
    throw Failure(ExitCode::usage, "--edit-base goes with -k DIR (an overlay)");
  }
  if (options.write && options.format != "diff") {
    throw Failure(ExitCode::usage, "--write applies the diff; it does not go with -o strategic");
  }
  bool color = use_color(options.color);
  PipelineResult result = run_pipeline(options.pipeline, std::cerr);
  const std::string cwd = std::filesystem::current_path().string();
  if (!options.html_file.empty()) {
    write_html_file(options.html_file,
                    [&](std::ostream& out) { write_patch_html(out, result, cwd); });
  }
  if (result.helm && options.format == "diff") {
    if (!options.pipeline.manifest_paths.empty() || !options.pipeline.kustomize_dirs.empty()) {
      throw Failure(ExitCode::usage,
                    "patch --chart edits the values file: give it alone, "
                    "without -f or -k");
    }
    return patch_values_file(options, result, color, cwd);
  }
  if (!options.pipeline.kustomize_dirs.empty() && options.format == "diff") {
    return patch_overlays(options, result, color, cwd);
  }
  if (options.format == "html") {
    write_patch_html(std::cout, result, cwd);
    bool changes = false;
    for (const auto& recommendation : result.recommendations) changes |= recommendation.changes();
    if (result.input_problems > 0) return static_cast<int>(ExitCode::partial);
    return static_cast<int>(options.check && changes ? ExitCode::changes_proposed : ExitCode::ok);
  }

  std::size_t changed_files = 0;
  std::vector<std::pair<std::string, std::string>>
      writes;  // written together: one fsync per folder
  const std::vector<manifest::ManifestFile>& files = result.manifests;
  std::vector<std::vector<manifest::ContainerChange>> changes_of(files.size());
  std::vector<std::vector<report::SideEdit>> side_edits_of(files.size());
  std::vector<Result<std::string>> edited(files.size(), std::string());
  // Each edit re-parses its result (the guard): one file per core.
  parallel_for(files.size(), [&](std::size_t i) {
    changes_of[i] = changes_for(files[i], result.recommendations, result.deployed_namespaces);
    if (options.format == "strategic") return;
    side_edits_of[i] =
        report::side_edits_for(files[i], result.recommendations, result.deployed_namespaces);
    edited[i] = edit_file(files[i], changes_of[i], side_edits_of[i]);
  });
  for (std::size_t i = 0; i < files.size(); ++i) {
    const manifest::ManifestFile& file = files[i];
    const std::vector<manifest::ContainerChange>& changes = changes_of[i];
    if (changes.empty() && side_edits_of[i].empty()) continue;
    if (options.format == "strategic") {
      std::string patches = manifest::strategic_patches(file.workloads, changes);
      if (patches.empty()) continue;
      std::cout << (changed_files++ > 0 ? "---\n" : "") << patches;
      continue;
    }
    if (file.path == "-") {
      std::cerr << "podfit: error: -f -: manifests read from standard input cannot be diffed "
                   "or written; use -o strategic\n";
      ++result.input_problems;
      continue;
    }
    Result<std::string>& patched = edited[i];
    if (!patched) {
      std::cerr << "podfit: error: " << patched.error().message << " (file left untouched)\n";
      ++result.input_problems;
      continue;
    }
    if (*patched == file.text) continue;
    ++changed_files;
    print_reasons(std::cout, file, result.recommendations, result.deployed_namespaces);
    std::cout << manifest::unified_diff(manifest::diff_path(file.path, cwd), file.text, *patched,
                                        color);
    if (options.write) writes.emplace_back(file.path, std::move(*patched));
  }
  std::size_t written_files = 0;
  for (const auto& written : manifest::write_files_atomically(writes)) {
    if (!written) {
      std::cerr << "podfit: error: " << written.error().message << '\n';
      ++result.input_problems;
    } else {
      ++written_files;
    }
  }
  // After a strategic stream too: comments, so the stream stays valid YAML.
  std::size_t unplaced =
      print_unplaced(std::cout, files, result.recommendations, result.deployed_namespaces,
                     options.format == "diff" ? "in the diff" : "patched");
  unplaced += report::print_unwritten_side_edits(
      std::cout, options.format == "diff" ? files : std::vector<manifest::ManifestFile>{},
      result.recommendations, result.deployed_namespaces);
  if (changed_files == 0 && unplaced == 0) std::cerr << "podfit: no changes to propose\n";
  if (options.write && changed_files > 0) {
    std::cerr << "podfit: updated " << written_files << " of " << changed_files << " file(s)\n";
  }
  if (result.input_problems > 0) return static_cast<int>(ExitCode::partial);
  if (options.check && changed_files + unplaced > 0) {
    return static_cast<int>(ExitCode::changes_proposed);
  }
  return static_cast<int>(ExitCode::ok);
}

}  // namespace

void register_patch(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PatchOptions>();
  CLI::App* command = app.add_subcommand(
      "patch", "Print the recommendations as a unified diff of your manifests (or apply them)");
  add_pipeline_options(*command, options->pipeline);
  command
      ->add_option("-o,--output", options->format,
                   "diff (default), strategic (kubectl strategic-merge patches) or html")
      ->type_name("FORMAT");
  CLI::Option* write =
      command->add_flag("--write", options->write, "apply the change to the files (atomic rename)");
  command->add_flag("--check", options->check, "exit 1 when a change is proposed (for CI)")
      ->excludes(write);
  command->add_flag("--edit-base", options->edit_base,
                    "with -k: write to the base's manifest (every overlay of it changes) rather "
                    "than add a patch to the overlay");
  add_html_option(*command, options->html_file);
  command->add_option("--color", options->color, "auto (default: on a terminal), always, never")
      ->type_name("WHEN");
  group_options(*command);
  command->callback([options, &exit_code] { exit_code = run_patch(*options); });
}

}  // namespace podfit::cli

// plan_overlay_edits: the overlay's own strategic-merge patches are edited in place where
// they name the container; the rest goes to podfit-resources.yaml, listed last in the
// overlay's `patches`, so nothing outside the overlay folder changes.
#include "podfit/manifest/overlay.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "manifest/resource_fields.hpp"
#include "manifest/yaml_walk.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest {

namespace fs = std::filesystem;

namespace {

struct Kustomization {
  std::string path;
  std::string text;
  std::string name_prefix, name_suffix;
  std::vector<std::string> patch_files;  // strategic-merge candidates, in order
  bool has_patches = false;              // a `patches:` key
};

std::string scalar_of(const YAML::Node& map, const char* key) {
  for (const auto& entry : map) {
    if (entry.first.Scalar() == key && entry.second.IsScalar()) return entry.second.Scalar();
  }
  return "";
}

Result<Kustomization> read_kustomization(const fs::path& dir) {
  Kustomization kustomization;
  for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    std::error_code error;
    if (fs::is_regular_file(dir / name, error)) {
      kustomization.path = (dir / name).string();
      break;
    }
  }
  if (kustomization.path.empty()) return fail(dir.string() + ": no kustomization.yaml in it");
  PODFIT_TRY_ASSIGN(text, read_whole_file(kustomization.path));
  kustomization.text = std::move(text);
  PODFIT_TRY_ASSIGN(documents, detail::load_documents(kustomization.path, kustomization.text));
  if (documents.empty() || !documents[0].IsMap()) {
    return fail(kustomization.path + ": not a kustomization (a YAML mapping)");
  }
  const YAML::Node& root = documents[0];
  kustomization.name_prefix = scalar_of(root, "namePrefix");
  kustomization.name_suffix = scalar_of(root, "nameSuffix");
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (key == "patches") kustomization.has_patches = true;
    if (!entry.second.IsSequence()) continue;
    for (const auto& item : entry.second) {
      if (key == "patchesStrategicMerge" && item.IsScalar() &&
          item.Scalar().find('\n') == std::string::npos) {
        kustomization.patch_files.push_back((dir / item.Scalar()).string());
      } else if (key == "patches" && item.IsMap()) {
        std::string file = scalar_of(item, "path");
        if (!file.empty()) kustomization.patch_files.push_back((dir / file).string());
      }
    }
  }
  return kustomization;
}

std::string base_name(const Kustomization& kustomization, std::string name) {
  const std::string& prefix = kustomization.name_prefix;
  const std::string& suffix = kustomization.name_suffix;
  if (!prefix.empty() && name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  if (!suffix.empty() && name.size() > suffix.size() && name.ends_with(suffix)) {
    name.resize(name.size() - suffix.size());
  }
  return name;
}

// The containers list's path in a patch of `kind`, as nested keys.
std::vector<std::string> containers_path(const std::string& kind) {
  if (kind == "Pod") return {"spec"};
  if (kind == "CronJob") return {"spec", "jobTemplate", "spec", "template", "spec"};
  return {"spec", "template", "spec"};
}

// A strategic-merge patch setting the resources of these containers of one workload.
std::string patch_document(const RenderedChange& first, const std::string& name,
                           const std::vector<const RenderedChange*>& containers) {
  std::ostringstream out;
  out << "apiVersion: " << (first.api_version.empty() ? "apps/v1" : first.api_version) << "\n"
      << "kind: " << first.workload.kind << "\nmetadata:\n  name: " << name << "\n";
  std::string indent;
  for (const std::string& key : containers_path(first.workload.kind)) {
    out << indent << key << ":\n";
    indent += "  ";
  }
  out << indent << "containers:\n";
  for (const RenderedChange* change : containers) {
    out << indent << "- name: " << change->container << "\n" << indent << "  resources:\n";
    for (const char* section : {"requests", "limits"}) {
      bool any = detail::field(change->target, section, "cpu") ||
                 detail::field(change->target, section, "memory");
      if (!any) continue;
      out << indent << "    " << section << ":\n";
      for (const char* resource : {"cpu", "memory"}) {
        if (const auto& value = detail::field(change->target, section, resource)) {
          out << indent << "      " << resource << ": " << detail::value_text(*value, resource)
              << "\n";
        }
      }
    }
  }
  return out.str();
}

// kustomization.yaml with `- path: FILE` as the last entry of `patches` (added when
// missing), in the file's own indentation; the rest byte for byte.
Result<std::string> with_patch_entry(const Kustomization& kustomization, const std::string& file) {
  const std::string& text = kustomization.text;
  std::string newline = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
  std::vector<std::pair<std::size_t, std::string>> lines;  // start offset, text
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.emplace_back(start, text.substr(start, end - start));
    start = end;
  }
  std::string ending = text.empty() || text.back() == '\n' ? "" : newline;
  if (!kustomization.has_patches) {
    return text + ending + "patches:" + newline + "- path: " + file + newline;
  }
  std::size_t key = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].second.rfind("patches:", 0) == 0) key = i;
  }
  std::string after_key = key < lines.size() ? lines[key].second.substr(8) : "";
  if (key == lines.size() || after_key.find_first_not_of(" \t\r\n") != std::string::npos) {
    return fail(kustomization.path +
                ": `patches:` is not a block list podfit can add to; add `- path: " + file +
                "` to it yourself");
  }
  std::size_t last = key, item_indent = std::string::npos;
  for (std::size_t i = key + 1; i < lines.size(); ++i) {
    const std::string& line = lines[i].second;
    std::size_t first = line.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || line[first] == '#') continue;
    if (first == 0 && line[0] != '-') break;
    if (line[first] == '-' && item_indent == std::string::npos) item_indent = first;
    last = i;
  }
  std::string indent(item_indent == std::string::npos ? 0 : item_indent, ' ');
  std::size_t insert = lines[last].first + lines[last].second.size();
  std::string before = text.substr(0, insert);
  std::string lead = before.empty() || before.back() == '\n' ? "" : newline;
  return before + lead + indent + "- path: " + file + newline + text.substr(insert);
}

}  // namespace

std::string new_file_diff(const std::string& path, const std::string& text) {
  std::size_t count = 0;
  std::string body;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    body += "+" + line + "\n";
    ++count;
  }
  return "diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" +
         path + "\n@@ -0,0 +1," + std::to_string(count) + " @@\n" + body;
}

Result<OverlayPlan> plan_overlay_edits(const std::string& dir,
                                       const std::vector<RenderedChange>& changes) {
  PODFIT_TRY_ASSIGN(kustomization, read_kustomization(dir));
  OverlayPlan plan;
  // The last patch file of the overlay that names the container decides it.
  std::map<std::string, ManifestFile> loaded;
  std::map<std::string, std::vector<ContainerChange>> edits_of;
  std::vector<const RenderedChange*> unmatched;
  for (const RenderedChange& change : changes) {
    std::string name = base_name(kustomization, change.workload.name);
    std::string decided;
    WorkloadRef ref;
    for (const std::string& file : kustomization.patch_files) {
      if (!loaded.count(file)) {
        auto parsed = load_manifest(file);
        if (!parsed) continue;  // a JSON 6902 op list, or not a file: not a strategic patch
        loaded.emplace(file, std::move(*parsed));
      }
      for (const Workload& workload : loaded.at(file).workloads) {
        if (workload.ref.kind != change.workload.kind || workload.ref.name != name) continue;
        for (const ContainerSpec& container : workload.containers) {
          if (container.name == change.container) {
            decided = file;
            ref = workload.ref;
          }
        }
      }
    }
    if (decided.empty()) {
      unmatched.push_back(&change);
    } else {
      edits_of[decided].push_back({ref, change.container, change.target});
    }
  }
  for (auto& [file, file_changes] : edits_of) {
    const ManifestFile& manifest = loaded.at(file);
    auto edited = apply_changes(manifest, file_changes);
    if (!edited) return tl::unexpected(edited.error());
    if (*edited != manifest.text) {
      plan.edits.push_back({file, manifest.text, *edited, false, "the overlay's patch"});
    }
  }
  if (unmatched.empty()) return plan;
  // One document per workload, in the order the changes came.
  std::vector<std::pair<std::string, std::vector<const RenderedChange*>>> documents;
  for (const RenderedChange* change : unmatched) {
    std::string key = change->workload.kind + "/" + change->workload.name;
    auto found = std::find_if(documents.begin(), documents.end(),
                              [&](const auto& document) { return document.first == key; });
    if (found == documents.end()) {
      documents.push_back({key, {change}});
    } else {
      found->second.push_back(change);
    }
  }
  std::string text;
  for (const auto& [key, containers] : documents) {
    text += (text.empty() ? "" : "---\n") +
            patch_document(*containers.front(),
                           base_name(kustomization, containers.front()->workload.name), containers);
  }
  std::string file = (fs::path(dir) / kOverlayPatchFile).string();
  std::error_code error;
  if (fs::exists(file, error)) {
    return fail(file +
                ": exists but the overlay's kustomization does not list it; list it under "
                "`patches:` or remove it");
  }
  PODFIT_TRY_ASSIGN(listed, with_patch_entry(kustomization, kOverlayPatchFile));
  plan.edits.push_back({file, "",
                        "# Written by podfit: resources measured in this overlay's "
                        "environment (podfit patch -k).\n" +
                            text,
                        true, "a new patch of the overlay"});
  plan.edits.push_back({kustomization.path, kustomization.text, listed, false,
                        "lists the new patch last, so it decides"});
  return plan;
}

}  // namespace podfit::manifest

// base_definitions: where an overlay's workloads are written in its bases (--edit-base).
#include <filesystem>

#include "manifest/overlay_patches.hpp"
#include "manifest/yaml_walk.hpp"

namespace podfit::manifest::detail {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxDepth = 16;  // deeper than any real tree; a cycle stops here

bool local(const std::string& entry) {
  return entry.find("://") == std::string::npos && entry.rfind("github.com/", 0) != 0;
}

Result<YAML::Node> kustomization_root(const fs::path& dir, std::string& path) {
  for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    std::error_code error;
    if (fs::is_regular_file(dir / name, error)) {
      path = (dir / name).lexically_normal().string();
      PODFIT_TRY_ASSIGN(text, read_whole_file(path));
      PODFIT_TRY_ASSIGN(documents, load_documents(path, text));
      if (documents.empty() || !documents[0].IsMap()) return fail(path + ": not a kustomization");
      return documents[0];
    }
  }
  return fail(dir.string() + ": no kustomization.yaml in it");
}

// A layer below the overlay whose own patches, components or transformers could set
// resources after the base: a base edit might not show in the overlay, so none is made.
std::string layer_refusal(const YAML::Node& root, const std::string& path) {
  for (const char* key : {"patches", "patchesStrategicMerge", "patchesJson6902", "components",
                          "replacements", "transformers"}) {
    if (child(root, key).IsDefined()) {
      return path + " has `" + key + "`, which may set resources over the base";
    }
  }
  return "";
}

struct Walk {
  std::vector<BaseDefinition> found;

  Result<void> visit(const fs::path& dir, const std::string& prefix, const std::string& suffix,
                     std::string refusal, int depth) {
    if (depth > kMaxDepth) return fail(dir.string() + ": kustomization folders nest too deep");
    std::string path;
    PODFIT_TRY_ASSIGN(root, kustomization_root(dir, path));
    std::string inner_prefix = prefix + scalar_or_empty(child(root, "namePrefix"));
    std::string inner_suffix = scalar_or_empty(child(root, "nameSuffix")) + suffix;
    if (refusal.empty()) {
      // The overlay's own patches are the planner's; only its components may follow them.
      refusal = depth == 0 ? (child(root, "components").IsDefined()
                                  ? path + " has components, which may set resources"
                                  : "")
                           : layer_refusal(root, path);
    }
    for (const char* key : {"resources", "bases"}) {
      YAML::Node list = child(root, key);
      if (!list.IsSequence()) continue;
      for (const auto& item : list) {
        std::string entry = scalar_or_empty(item);
        if (entry.empty() || !local(entry)) continue;
        fs::path target = dir / entry;
        std::error_code error;
        if (fs::is_directory(target, error)) {
          PODFIT_TRY(visit(target, inner_prefix, inner_suffix, refusal, depth + 1));
          continue;
        }
        auto file = load_manifest(target.string());
        if (!file) continue;  // not a manifest podfit reads (a CRD, a ConfigMap)
        std::string normal = target.lexically_normal().string();
        bool own = depth == 0 && entry.find("..") == std::string::npos && entry.front() != '/';
        for (const Workload& workload : file->workloads) {
          found.push_back({normal, workload.ref, inner_prefix + workload.ref.name + inner_suffix,
                           depth == 0 ? "" : refusal, own});
        }
      }
    }
    return {};
  }
};

}  // namespace

Result<std::vector<BaseDefinition>> base_definitions(const std::filesystem::path& dir) {
  Walk walk;
  PODFIT_TRY(walk.visit(dir, "", "", "", 0));
  return std::move(walk.found);
}

}  // namespace podfit::manifest::detail

// Reading an overlay's kustomization: its name prefix and suffix, and its patches in the
// order kustomize applies them, each read and told apart (strategic merge or JSON 6902).
#include <filesystem>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "manifest/overlay_patches.hpp"
#include "manifest/yaml_walk.hpp"

namespace podfit::manifest::detail {

namespace fs = std::filesystem;

namespace {

std::string scalar_of(const YAML::Node& map, const char* key) {
  for (const auto& entry : map) {
    if (entry.first.Scalar() == key && entry.second.IsScalar()) return entry.second.Scalar();
  }
  return "";
}

YAML::Node child(const YAML::Node& map, const char* key) {
  for (const auto& entry : map) {
    if (entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

PatchTarget read_target(const YAML::Node& item) {
  PatchTarget target;
  YAML::Node node = child(item, "target");
  if (!node.IsMap()) return target;
  target.given = true;
  target.kind = scalar_of(node, "kind");
  target.name = scalar_of(node, "name");
  target.group = scalar_of(node, "group");
  target.version = scalar_of(node, "version");
  target.namespace_name = scalar_of(node, "namespace");
  target.selectors =
      child(node, "labelSelector").IsDefined() || child(node, "annotationSelector").IsDefined();
  return target;
}

// Reads the patch's text and tells a JSON 6902 list from a strategic-merge patch. False
// when it is neither (or unreadable): such a patch is left alone, as kustomize decides.
bool classify(Source& source) {
  auto documents = load_documents(source.label, source.text);
  if (!documents || documents->empty()) return false;
  if ((*documents)[0].IsSequence()) {
    auto ops = read_json_ops(source.label, source.text);
    if (!ops) return false;
    source.json6902 = true;
    source.ops = std::move(*ops);
    return true;
  }
  if (source.after_patches) return false;
  auto parsed = parse_manifest(source.label, source.text);
  if (!parsed) return false;
  for (const YAML::Node& document : *documents) {
    source.may_shift_containers = source.may_shift_containers || may_shift_containers(document);
  }
  source.smp = std::move(*parsed);
  return true;
}

void add_source(Kustomization& kustomization, const fs::path& dir, const YAML::Node& item,
                std::vector<std::string> node_path, bool after_patches) {
  Source source;
  source.after_patches = after_patches;
  YAML::Node inline_text(YAML::NodeType::Undefined);  // the patch written in the kustomization
  if (item.IsMap()) {
    source.target = read_target(item);
    std::string file = scalar_of(item, "path");
    if (!file.empty()) {
      source.file = (dir / file).string();
    } else if (child(item, "patch").IsScalar()) {
      inline_text.reset(child(item, "patch"));
      node_path.push_back("patch");
    }
  } else if (item.IsScalar() && item.Scalar().find('\n') == std::string::npos) {
    source.file = (dir / item.Scalar()).string();  // patchesStrategicMerge: a file name
  } else if (item.IsScalar()) {
    inline_text.reset(item);
  }
  if (!source.file.empty()) {
    auto text = read_whole_file(source.file);
    if (!text) return;
    source.label = source.file;
    source.text = std::move(*text);
  } else if (inline_text.IsDefined()) {
    std::size_t pos = mark_offset(kustomization.text) + inline_text.Mark().pos;
    source.inline_patch = true;
    source.file = kustomization.path;
    source.label = kustomization.path + ":" + std::to_string(inline_text.Mark().line + 1);
    source.node_path = std::move(node_path);
    auto block = read_block_scalar(kustomization.path, kustomization.text, pos);
    // A quoted or folded patch, or lines podfit reads otherwise than YAML: not edited.
    if (!block || block->value() != inline_text.Scalar()) return;
    source.block = std::move(*block);
    source.text = source.block.text();
  } else {
    return;
  }
  if (classify(source)) kustomization.sources.push_back(std::move(source));
}

}  // namespace

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
  PODFIT_TRY_ASSIGN(documents, load_documents(kustomization.path, kustomization.text));
  if (documents.empty() || !documents[0].IsMap()) {
    return fail(kustomization.path + ": not a kustomization (a YAML mapping)");
  }
  const YAML::Node& root = documents[0];
  kustomization.name_prefix = scalar_of(root, "namePrefix");
  kustomization.name_suffix = scalar_of(root, "nameSuffix");
  for (const auto& entry : root) {
    if (entry.first.Scalar() == "patches") kustomization.has_patches = true;
  }
  for (const char* key : {"patchesStrategicMerge", "patches", "patchesJson6902"}) {
    YAML::Node list = child(root, key);
    if (!list.IsSequence()) continue;
    for (std::size_t i = 0; i < list.size(); ++i) {
      add_source(kustomization, dir, list[i], {key, std::to_string(i)},
                 std::string(key) == "patchesJson6902");
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

namespace {

bool name_matches(const std::string& pattern, const std::string& name) {
  try {
    return std::regex_match(name, std::regex(pattern));  // kustomize: an anchored regexp
  } catch (const std::regex_error&) {
    return pattern == name;
  }
}

}  // namespace

// Whether the patch's target selects the rendered workload. Kustomize runs `patches`
// before namePrefix, nameSuffix and namespace, so their targets see the base's names (and
// namespace, which podfit does not know); patchesJson6902 runs after them and matches the
// rendered or the base name.
bool selects(const Kustomization& kustomization, const Source& source, const Workload& w) {
  const PatchTarget& target = source.target;
  if (!target.given || target.selectors) return false;
  if (!target.kind.empty() && target.kind != w.ref.kind) return false;
  std::size_t slash = w.api_version.find('/');
  std::string group = slash == std::string::npos ? "" : w.api_version.substr(0, slash);
  std::string version =
      slash == std::string::npos ? w.api_version : w.api_version.substr(slash + 1);
  if (!target.group.empty() && target.group != group) return false;
  if (!target.version.empty() && target.version != version) return false;
  if (!target.namespace_name.empty() &&
      (!source.after_patches || target.namespace_name != w.ref.namespace_name)) {
    return false;
  }
  return target.name.empty() || name_matches(target.name, base_name(kustomization, w.ref.name)) ||
         (source.after_patches && name_matches(target.name, w.ref.name));
}

}  // namespace podfit::manifest::detail

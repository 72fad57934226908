// The parts of a kustomization's patches that plan_overlay_edits edits in place: inline
// patches (literal block scalars such as `patch: |-`) and JSON 6902 operations whose
// `path` ends in a container's resources (docs/manifest.md, "Kustomize overlays").
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/manifest/manifest.hpp"
#include "podfit/manifest/overlay.hpp"

namespace podfit::manifest::detail {

// A literal block scalar of a kustomization, line by line: as written, and without the
// block's indentation (the inline patch as a YAML text of its own).
struct BlockScalar {
  std::size_t begin = 0, end = 0;  // the content lines, in the kustomization text
  std::size_t indent = 0;
  char chomp = ' ';                   // ' ' clip (`|`), '-' strip (`|-`), '+' keep (`|+`)
  std::vector<std::string> lines;     // with their line ends
  std::vector<std::string> dedented;  // the same lines without `indent` columns
  std::string text() const;           // `dedented`, joined
  std::string value() const;          // the scalar as YAML reads it (line ends \n, chomped)
};

// The literal block scalar whose indicator `|` is at byte `pos` of `text`. Fails (saying
// why) for other styles: folded `>`, an indentation indicator, a quoted string.
Result<BlockScalar> read_block_scalar(const std::string& path, std::string_view text,
                                      std::size_t pos);

// `text` with the content of `block` replaced by `edited`, an edit of block.text(): lines
// the edit kept keep their bytes, new lines get the block's indentation, nothing outside
// the block changes. Parsed again: the scalar at `node_path` (map keys, or sequence indexes
// in decimal) must read as `edited` and the rest of the document as before.
Result<std::string> replace_block_scalar(const std::string& path, const std::string& text,
                                         const BlockScalar& block, const std::string& edited,
                                         const std::vector<std::string>& node_path);

// One operation of a JSON 6902 patch (a YAML or JSON list of {op, path, value}).
struct JsonOp {
  std::string op;
  std::string path_text;
  std::vector<std::string> path;  // the pointer's tokens, ~1 and ~0 unescaped
  std::vector<std::string> from;  // of move and copy
  std::size_t line = 0;           // 1-based, in the patch text
  bool value_mentions_resources = false;
};

// The operations in `text`; fails when it is not a list of mappings.
Result<std::vector<JsonOp>> read_json_ops(const std::string& path, const std::string& text);

// What an operation's path reaches in a workload of `kind`.
struct OpReach {
  enum class Kind { nothing, resources, unresolved } kind = Kind::nothing;
  bool init = false;                      // initContainers
  std::size_t index = std::string::npos;  // the container's index; npos: every container
  std::string section, name;              // "" (all of resources), "limits", "limits"+"memory"
  std::string why;                        // for unresolved
};

OpReach reach_of(const JsonOp& op, const std::string& kind);

// Whether the op inserts, removes or moves containers of a workload of `kind` (so that
// the indexes earlier ops saw shift). Appending (`containers/-`) shifts nothing.
bool shifts_containers(const JsonOp& op, const std::string& kind);

// Whether a strategic-merge patch document may add or reorder containers.
bool may_shift_containers(const YAML::Node& document);

// The keys from an object of `kind` to its pod spec (where `containers` is).
std::vector<std::string> pod_spec_path(const std::string& kind);

// The part of `target` an operation reaching `section`/`name` sets.
Resources restricted(const Resources& target, const std::string& section, const std::string& name);

struct OpValueEdit {
  std::size_t op = 0;  // index in the list
  std::string section, name;
  Resources target;  // restricted to the part
};

// `text` (a JSON 6902 list) with the `value` of each op in `edits` made the target's part,
// byte-exact elsewhere; parsed again and compared, op by op, with the original.
Result<std::string> edit_op_values(const std::string& path, const std::string& text,
                                   const std::vector<OpValueEdit>& edits);

// The patches of an overlay's kustomization podfit can read.
struct PatchTarget {
  bool given = false;
  std::string kind, name, group, version, namespace_name;
  bool selectors = false;  // a label or annotation selector: not resolved
};

// One patch of the overlay, in the order kustomize applies them: patchesStrategicMerge,
// then patches, then patchesJson6902.
struct Source {
  bool json6902 = false;
  bool inline_patch = false;
  bool after_patches = false;  // in patchesJson6902
  std::string file;            // the patch file, or the kustomization
  std::string label;           // for messages: the file, or kustomization.yaml:LINE
  std::string text;            // the patch (an inline one without its indentation)
  BlockScalar block;
  std::vector<std::string> node_path;
  PatchTarget target;
  std::optional<ManifestFile> smp;
  std::vector<JsonOp> ops;
  // A strategic-merge patch that may add containers (an entry with more than a name and
  // resources; kustomize puts new ones first) or reorder them: the indexes an earlier
  // JSON 6902 op saw are not the rendered ones.
  bool may_shift_containers = false;
};

struct Kustomization {
  std::string path;
  std::string text;
  std::string name_prefix, name_suffix;
  bool has_patches = false;  // a `patches:` key
  std::vector<Source> sources;
};

Result<Kustomization> read_kustomization(const std::filesystem::path& dir);

// A rendered name without the overlay's namePrefix/nameSuffix.
std::string base_name(const Kustomization& kustomization, std::string name);

// Whether the patch's target selects the rendered workload `w`, by the names kustomize
// matches there. A label or annotation selector is not resolved, nor a namespace in
// `patches` (it is the base's).
bool selects(const Kustomization& kustomization, const Source& source, const Workload& w);

// A strategic-merge patch setting the resources of these containers of one workload
// (`name` as the base names it).
std::string patch_document(const RenderedChange& first, const std::string& name,
                           const std::vector<const RenderedChange*>& containers);

// The kustomization `text` with `- path: FILE` as the last entry of `patches` (added when
// missing), in the file's own indentation; the rest byte for byte.
Result<std::string> with_patch_entry(const std::string& path, const std::string& text,
                                     bool has_patches, const std::string& file);

// A workload an overlay takes from a local file of its bases (`resources`, `bases`,
// recursively), with the name the overlay renders it under (every layer's namePrefix and
// nameSuffix applied).
struct BaseDefinition {
  std::string file;
  WorkloadRef ref;  // as the file writes it
  std::string rendered_name;
  // Non-empty: a layer between the overlay and the file that may set resources over it
  // (its own patches, components, transformers), so an edit of the file might not show.
  std::string refusal;
  bool own = false;  // listed by the overlay itself, from inside its folder: not shared
};
Result<std::vector<BaseDefinition>> base_definitions(const std::filesystem::path& dir);

}  // namespace podfit::manifest::detail

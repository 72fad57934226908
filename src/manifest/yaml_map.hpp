// A YAML mapping seen as byte ranges of the source text, and the edits that
// change it in place: replace a scalar, remove entries, add entries (in the
// map's own style), fill an empty value. Edits are collected, then applied
// back to front so that every untouched byte stays as it was.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"

namespace podfit::manifest::detail {

// A key with either a scalar value or nested entries, for rendering new text.
struct Tree {
  std::string key;
  std::string scalar;
  std::vector<Tree> children;
};

struct Edit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;
  std::size_t sequence = 0;  // insertion order, to keep same-position inserts in order
};

struct EditContext {
  std::string path;
  std::string_view text;
  std::size_t mark_base = 0;  // added to yaml-cpp mark positions (byte order mark)
  std::string newline = "\n";
  std::size_t indent_step = 2;
  bool json = false;  // a JSON manifest: inserted keys and values are double-quoted
  std::vector<Edit> edits;

  std::size_t pos_of(const YAML::Node& node) const { return node.Mark().pos + mark_base; }
  std::string where(std::size_t pos) const;
  void add(std::size_t begin, std::size_t end, std::string replacement);
};

// The parts of a value the editor looks at (so that no yaml-cpp node has to be kept).
struct ValueInfo {
  enum class Kind { null, scalar, map, other };
  Kind kind = Kind::null;
  std::string scalar;    // for Kind::scalar
  std::size_t size = 0;  // entries, for Kind::map

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_map() const { return kind == Kind::map; }
};

struct MapEntry {
  std::string key;
  ValueInfo value;
  std::size_t key_pos = 0;
  std::size_t colon_pos = 0;
  std::size_t value_pos = 0;  // start of the value's token; colon_pos + 1 for an empty value
  std::size_t value_end = 0;  // end of a scalar or flow value; value_pos for a block value
  bool shared = false;        // the value carries an anchor or is an alias
};

struct MapView {
  bool flow = false;
  std::size_t open_pos = 0;  // flow: the '{'
  std::vector<MapEntry> entries;

  const MapEntry* find(const std::string& key) const;
};

// `start` is where the map's text begins (first key, or '{'). Fails when the
// map itself is an alias (its keys lie before `start`).
Result<MapView> view_map(const EditContext& context, const YAML::Node& map, std::size_t start);

// Whether the entry's value is null or an empty flow map.
bool is_empty_value(const MapEntry& entry);

// Replaces the scalar value of `entry`, keeping its quote style.
void replace_scalar(EditContext& context, const MapEntry& entry, const std::string& value,
                    bool flow);

// Removes the entries whose index is in `removed` and appends `added` at the
// end of the map, in the map's style (block lines in the map's indentation, or
// flow text). Fails when a block entry shares its line with a `- ` that no
// remaining entry can take over.
Result<void> rewrite_map(EditContext& context, const MapView& map, const std::vector<bool>& removed,
                         const std::vector<Tree>& added);

// Gives an entry whose value is null or `{}` the entries `children`.
void fill_empty_value(EditContext& context, const MapView& parent, const MapEntry& entry,
                      const std::vector<Tree>& children);

// Most common indentation step between a block key and its nested block keys (2 by default).
std::size_t detect_indent_step(const EditContext& context,
                               const std::vector<YAML::Node>& documents);

// The maps the editor may change in one container, viewed while the file is
// loaded: the container, its non-empty `resources` map, and that map's
// non-empty requests/limits maps. A view that failed keeps its error, which is
// reported only if an edit needs that map.
struct ContainerLayout {
  Result<MapView> container;
  // The container map has an anchor: an alias or a `<<:` merge elsewhere may reuse it,
  // resources included. Where the anchor is (for messages); npos: none.
  std::size_t anchor_pos = std::string::npos;
  std::optional<Result<MapView>> resources;
  std::optional<Result<MapView>> requests;
  std::optional<Result<MapView>> limits;
};

ContainerLayout view_container(const EditContext& context, const YAML::Node& container);

// Plans the edits that make the `resources` of the map `layout` views equal `target`
// (editor.cpp: a manifest's container, or the map of a Helm values path).
Result<void> edit_resources_of(EditContext& context, const ContainerLayout& layout,
                               const Resources& target);
// `target` as the entries of a new `resources:` map (requests, limits; cpu, memory).
std::vector<Tree> resources_tree(const Resources& target);

// Everything apply_changes needs from the parse done by parse_manifest, so the
// text is parsed once. Valid only for the text whose hash it holds.
struct EditLayout {
  std::size_t text_hash = 0;
  std::size_t indent_step = 2;
  std::vector<std::vector<ContainerLayout>> containers;  // [workload][container]
};

std::size_t hash_text(std::string_view text);

// Applies the collected edits; fails if two of them overlap.
Result<std::string> apply_edits(const EditContext& context);

}  // namespace podfit::manifest::detail

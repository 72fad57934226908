// plan_overlay_edits: the overlay's own patches that decide a container's resources are
// edited in place (strategic-merge files and inline patches, JSON 6902 ops); what they do
// not set goes to podfit-resources.yaml, listed last in the overlay's `patches`, so
// nothing outside the overlay folder changes.
#include "podfit/manifest/overlay.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <set>

#include "manifest/overlay_patches.hpp"
#include "manifest/resource_fields.hpp"
#include "podfit/manifest/editor.hpp"

namespace podfit::manifest {

namespace fs = std::filesystem;

namespace {

using detail::Kustomization;
using detail::OpReach;
using detail::Source;

constexpr std::array<std::pair<const char*, const char*>, 4> kFields = {
    {{"requests", "cpu"}, {"requests", "memory"}, {"limits", "cpu"}, {"limits", "memory"}}};

// What the overlay's patches do to one container.
struct ContainerState {
  std::optional<std::size_t> smp;                        // the last strategic-merge patch naming it
  WorkloadRef smp_ref;                                   // the workload as that patch names it
  std::vector<std::pair<std::size_t, std::size_t>> ops;  // (source, op), editable
  std::vector<std::pair<std::size_t, std::string>> blocked;  // (source, why): not editable
};

// One op (or patch) seen from every container it reaches.
struct Hit {
  std::size_t change = std::string::npos;  // npos: a container podfit does not change
  std::string container;                   // "Kind/name container C", for messages
};

std::string hit_name(const Workload& workload, const std::string& container) {
  return workload.ref.kind + "/" + workload.ref.name + " container " + container;
}

std::size_t change_of(const std::vector<RenderedChange>& changes, const WorkloadRef& ref,
                      const std::string& container) {
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].workload == ref && changes[i].container == container) return i;
  }
  return std::string::npos;
}

// Why a patch reaching `hits` cannot take one value for all of them, or "".
std::string shared_conflict(const std::vector<Hit>& hits, const std::vector<Resources>& parts) {
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].change == std::string::npos) {
      return "it also sets " + hits[i].container + ", which podfit does not change";
    }
    if (parts[i] != parts[0]) {
      return "it also sets " + hits[i].container + ", to other values";
    }
  }
  return "";
}

class Planner {
 public:
  Planner(const Kustomization& kustomization, const std::vector<RenderedChange>& changes,
          const std::vector<Workload>& rendered)
      : k_(kustomization), changes_(changes), rendered_(rendered), states_(changes.size()) {}

  void scan() {
    for (std::size_t s = 0; s < k_.sources.size(); ++s) {
      if (k_.sources[s].json6902) {
        scan_ops(s);
      } else {
        scan_smp(s);
      }
    }
  }

  const ContainerState& state(std::size_t change) const { return states_[change]; }
  // What the editable op `i` of source `s` reaches.
  const OpReach& reach(std::size_t s, std::size_t i) const { return reaches_.at({s, i}); }

 private:
  void block(std::size_t change, std::size_t s, const std::string& why) {
    states_[change].blocked.push_back({s, why});
  }

  void scan_smp(std::size_t s) {
    const Source& source = k_.sources[s];
    const ManifestFile& patch = *source.smp;
    if (!source.target.given) {
      // As kustomize: the patch's kind and name (as the base names it) pick the object.
      for (std::size_t c = 0; c < changes_.size(); ++c) {
        std::string name = detail::base_name(k_, changes_[c].workload.name);
        for (const Workload& workload : patch.workloads) {
          if (workload.ref.kind != changes_[c].workload.kind || workload.ref.name != name) continue;
          for (const ContainerSpec& container : workload.containers) {
            if (container.name != changes_[c].container) continue;
            states_[c].smp = s;
            states_[c].smp_ref = workload.ref;
          }
        }
      }
      return;
    }
    if (patch.workloads.size() != 1) return;
    const Workload& patched = patch.workloads[0];
    for (const ContainerSpec& container : patched.containers) {
      std::vector<Hit> hits;
      std::vector<Resources> parts;
      for (const Workload& workload : rendered_) {
        if (!detail::selects(k_, source, workload)) continue;
        bool has =
            std::any_of(workload.containers.begin(), workload.containers.end(),
                        [&](const ContainerSpec& spec) { return spec.name == container.name; });
        if (!has) continue;
        std::size_t c = change_of(changes_, workload.ref, container.name);
        hits.push_back({c, hit_name(workload, container.name)});
        parts.push_back(c == std::string::npos ? Resources{} : changes_[c].target);
      }
      std::string conflict = shared_conflict(hits, parts);
      for (const Hit& hit : hits) {
        if (hit.change == std::string::npos) continue;
        if (!conflict.empty()) {
          block(hit.change, s, source.label + ": the patch cannot be edited (" + conflict + ")");
        } else {
          states_[hit.change].smp = s;
          states_[hit.change].smp_ref = patched.ref;
        }
      }
    }
  }

  // Whether a patch applied after op `i` of source `s` may shift the container indexes.
  bool shifted_after(std::size_t s, std::size_t i, const std::string& kind) const {
    for (std::size_t later = s; later < k_.sources.size(); ++later) {
      const Source& source = k_.sources[later];
      if (later > s && source.may_shift_containers) return true;
      for (std::size_t j = later == s ? i + 1 : 0; j < source.ops.size(); ++j) {
        if (detail::shifts_containers(source.ops[j], kind)) return true;
      }
    }
    return false;
  }

  void scan_ops(std::size_t s) {
    const Source& source = k_.sources[s];
    for (std::size_t i = 0; i < source.ops.size(); ++i) {
      const detail::JsonOp& op = source.ops[i];
      std::string where = source.label + (source.inline_patch ? " (inline patch, line " : ":") +
                          std::to_string(op.line) + (source.inline_patch ? ")" : "");
      std::vector<Hit> hits;
      std::vector<Resources> parts;
      OpReach reach;
      for (const Workload& workload : rendered_) {
        if (!detail::selects(k_, source, workload)) continue;
        OpReach here = detail::reach_of(op, workload.ref.kind);
        if (here.kind == OpReach::Kind::nothing) continue;
        std::vector<const ContainerSpec*> list;
        for (const ContainerSpec& spec : workload.containers) {
          if (spec.init_container == here.init) list.push_back(&spec);
        }
        if (here.kind == OpReach::Kind::resources && shifted_after(s, i, workload.ref.kind)) {
          here.kind = OpReach::Kind::unresolved;
          here.why = "`op: " + op.op + "` at " + op.path_text +
                     ": a later patch may add, remove or reorder containers, so the index may "
                     "not be the rendered one";
          here.index = std::string::npos;
        } else if (here.kind == OpReach::Kind::resources && here.index >= list.size()) {
          here.kind = OpReach::Kind::unresolved;
          here.why = "`op: " + op.op + "` at " + op.path_text +
                     " names a container the overlay does not render";
          here.index = std::string::npos;
        }
        if (here.kind == OpReach::Kind::unresolved) {
          for (std::size_t k = 0; k < list.size(); ++k) {
            if (here.index != std::string::npos && k != here.index) continue;
            std::size_t c = change_of(changes_, workload.ref, list[k]->name);
            if (c != std::string::npos) block(c, s, where + ": " + here.why);
          }
          continue;
        }
        reach = here;
        const std::string& name = list[here.index]->name;
        std::size_t c = change_of(changes_, workload.ref, name);
        hits.push_back({c, hit_name(workload, name)});
        parts.push_back(c == std::string::npos
                            ? Resources{}
                            : detail::restricted(changes_[c].target, here.section, here.name));
      }
      if (hits.empty()) continue;
      std::string why = shared_conflict(hits, parts);
      if (why.empty()) {
        auto tried = detail::edit_op_values(source.label, source.text,
                                            {{i, reach.section, reach.name, parts[0]}});
        if (!tried) why = tried.error().message;
      }
      for (const Hit& hit : hits) {
        if (hit.change == std::string::npos) continue;
        if (!why.empty()) {
          block(hit.change, s, where + ": the op cannot be edited (" + why + ")");
        } else {
          states_[hit.change].ops.push_back({s, i});
          reaches_[{s, i}] = reach;
        }
      }
    }
  }

  const Kustomization& k_;
  const std::vector<RenderedChange>& changes_;
  const std::vector<Workload>& rendered_;
  std::vector<ContainerState> states_;
  std::map<std::pair<std::size_t, std::size_t>, OpReach> reaches_;  // of the editable ops
};

Resources merged(Resources a, const Resources& b) {
  if (b.cpu_request) a.cpu_request = b.cpu_request;
  if (b.memory_request) a.memory_request = b.memory_request;
  if (b.cpu_limit) a.cpu_limit = b.cpu_limit;
  if (b.memory_limit) a.memory_limit = b.memory_limit;
  return a;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

// The remainder that the file defining the workload can take (see plan_overlay_edits),
// edited there with the whole target; what it cannot take stays in `remainder`.
Result<void> edit_definitions(const std::string& dir, const std::vector<RenderedChange>& changes,
                              bool edit_base, std::vector<RenderedChange>& remainder,
                              const std::vector<bool>& blocked,
                              std::vector<std::string>& base_notes, OverlayPlan& plan) {
  if (remainder.empty()) return {};
  PODFIT_TRY_ASSIGN(definitions, detail::base_definitions(dir));
  std::map<std::string, std::vector<ContainerChange>> by_file;
  std::vector<RenderedChange> left;
  for (std::size_t r = 0; r < remainder.size(); ++r) {
    const RenderedChange& rest = remainder[r];
    auto definition = std::find_if(definitions.begin(), definitions.end(), [&](const auto& d) {
      return d.ref.kind == rest.workload.kind && d.rendered_name == rest.workload.name;
    });
    bool usable = !blocked[r] && definition != definitions.end() && definition->refusal.empty() &&
                  (definition->own || edit_base);
    if (!usable) {
      if (edit_base && definition != definitions.end() && !definition->refusal.empty()) {
        base_notes.push_back(definition->refusal);
      }
      left.push_back(rest);
      continue;
    }
    // The whole target: the overlay's own patches, edited to it, set the same values.
    auto whole = std::find_if(changes.begin(), changes.end(), [&](const RenderedChange& c) {
      return c.workload == rest.workload && c.container == rest.container;
    });
    by_file[definition->file].push_back({definition->ref, rest.container, whole->target});
  }
  for (const auto& [file, file_changes] : by_file) {
    PODFIT_TRY_ASSIGN(manifest, load_manifest(file));
    PODFIT_TRY_ASSIGN(after, apply_changes(manifest, file_changes));
    if (after == manifest.text) continue;
    bool own = std::any_of(definitions.begin(), definitions.end(),
                           [&](const auto& d) { return d.file == file && d.own; });
    plan.edits.push_back({file, manifest.text, after, false,
                          own ? "the overlay's own manifest (no other overlay lists it)"
                              : "the base that defines it (--edit-base: every overlay of this "
                                "base renders it)"});
  }
  remainder = std::move(left);
  return {};
}

}  // namespace

Result<OverlayPlan> plan_overlay_edits(const std::string& dir,
                                       const std::vector<RenderedChange>& changes,
                                       const std::vector<Workload>& rendered, bool edit_base) {
  PODFIT_TRY_ASSIGN(kustomization, detail::read_kustomization(dir));
  Planner planner(kustomization, changes, rendered);
  planner.scan();

  std::map<std::size_t, std::vector<ContainerChange>> smp_edits;     // by source
  std::map<std::size_t, std::vector<detail::OpValueEdit>> op_edits;  // by source
  std::vector<RenderedChange> remainder;                             // for the new patch file
  std::vector<bool> remainder_blocked;  // an op the new patch must decide over
  std::vector<std::string> notes;       // why parts went to the new file
  std::vector<std::string> unsettled;
  bool partial = false;
  for (std::size_t c = 0; c < changes.size(); ++c) {
    const ContainerState& state = planner.state(c);
    // What cannot be edited matters only after the strategic merge that gets the target.
    std::vector<std::string> blocked;
    bool blocked_after_patches = false;
    for (const auto& [s, why] : state.blocked) {
      if (state.smp && s < *state.smp) continue;
      blocked.push_back(why);
      blocked_after_patches = blocked_after_patches || kustomization.sources[s].after_patches;
    }
    std::array<bool, 4> covered{};
    for (const auto& [s, i] : state.ops) {
      if (state.smp && s < *state.smp) continue;  // the later strategic merge decides
      const OpReach& reach = planner.reach(s, i);
      auto& edits = op_edits[s];
      if (std::none_of(edits.begin(), edits.end(), [&](const auto& e) { return e.op == i; })) {
        edits.push_back({i, reach.section, reach.name,
                         detail::restricted(changes[c].target, reach.section, reach.name)});
      }
      for (std::size_t f = 0; f < kFields.size(); ++f) {
        covered[f] = covered[f] || ((reach.section.empty() || reach.section == kFields[f].first) &&
                                    (reach.name.empty() || reach.name == kFields[f].second));
      }
    }
    // A field the target drops that the overlay renders: removing it from one layer could
    // let another's value through, so the new patch, applied last, sets it to null.
    Resources drop;
    for (std::size_t f = 0; f < kFields.size(); ++f) {
      const auto& [section, name] = kFields[f];
      if (covered[f] || detail::field(changes[c].target, section, name) ||
          !detail::field(changes[c].rendered, section, name)) {
        continue;
      }
      drop = merged(drop, detail::restricted(changes[c].rendered, section, name));
    }
    bool all = std::all_of(covered.begin(), covered.end(), [](bool b) { return b; });
    if (blocked.empty() && all) continue;
    if (blocked.empty() && state.smp) {
      smp_edits[*state.smp].push_back({state.smp_ref, changes[c].container, changes[c].target});
      if (!drop.empty()) {
        RenderedChange nulls = changes[c];
        nulls.target = {};
        nulls.remove = drop;
        remainder.push_back(std::move(nulls));
        remainder_blocked.push_back(false);
        partial = true;
      }
      continue;
    }
    RenderedChange rest = changes[c];
    rest.remove = drop;
    if (blocked.empty() && std::any_of(covered.begin(), covered.end(), [](bool b) { return b; })) {
      // The ops set the rest: the new patch holds only what they leave.
      Resources left;
      for (std::size_t f = 0; f < kFields.size(); ++f) {
        if (covered[f]) continue;
        left = merged(left, detail::restricted(rest.target, kFields[f].first, kFields[f].second));
      }
      rest.target = left;
      partial = true;
    }
    for (const std::string& why : blocked) notes.push_back(why);
    if (blocked_after_patches) {
      notes.push_back(
          "kustomize applies patchesJson6902 after `patches`, so that op still "
          "decides: edit it by hand");
      for (const auto& [s, why] : state.blocked) {
        if (kustomization.sources[s].after_patches && !(state.smp && s < *state.smp)) {
          unsettled.push_back(changes[c].workload.kind + "/" + changes[c].workload.name +
                              " container " + changes[c].container + ": " + why +
                              "; kustomize applies it after `patches`: edit it by hand");
        }
      }
    }
    if (!rest.target.empty() || !rest.remove.empty()) {
      remainder.push_back(std::move(rest));
      remainder_blocked.push_back(!blocked.empty());
    }
  }

  OverlayPlan plan;
  plan.unsettled = std::move(unsettled);
  std::vector<std::string> base_notes;  // why --edit-base left the base alone
  PODFIT_TRY(
      edit_definitions(dir, changes, edit_base, remainder, remainder_blocked, base_notes, plan));
  std::string listed = kustomization.text;
  std::vector<std::string> inline_whys;
  // File patches first; inline ones back to front, so earlier blocks keep their offsets.
  std::set<std::size_t> edited_sources;
  for (const auto& [s, edits] : smp_edits) edited_sources.insert(s);
  for (const auto& [s, edits] : op_edits) edited_sources.insert(s);
  std::vector<std::size_t> order(edited_sources.begin(), edited_sources.end());
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return kustomization.sources[a].block.begin > kustomization.sources[b].block.begin;
  });
  for (std::size_t s : order) {
    const Source& source = kustomization.sources[s];
    Result<std::string> edited = source.text;
    std::string why;
    if (source.json6902) {
      edited = detail::edit_op_values(source.label, source.text, op_edits[s]);
      why = "the overlay's JSON 6902 patch";
    } else {
      edited = apply_changes(*source.smp, smp_edits[s]);
      why = "the overlay's patch";
    }
    if (!edited) return tl::unexpected(edited.error());
    if (*edited == source.text) continue;
    if (!source.inline_patch) {
      plan.edits.push_back({source.file, source.text, *edited, false, why});
      continue;
    }
    PODFIT_TRY_ASSIGN(
        spliced, detail::replace_block_scalar(kustomization.path, listed, source.block, *edited,
                                              source.node_path));
    listed = std::move(spliced);
    inline_whys.insert(inline_whys.begin(), why == "the overlay's patch"
                                                ? "its inline patch"
                                                : "its inline JSON 6902 patch");
  }
  std::sort(plan.edits.begin(), plan.edits.end(),
            [](const FileEdit& a, const FileEdit& b) { return a.path < b.path; });
  std::string kustomization_why =
      inline_whys.empty() ? "" : "the overlay's kustomization: " + join(inline_whys, ", ");

  if (!remainder.empty()) {
    // One document per workload, in the order the changes came.
    std::vector<std::pair<std::string, std::vector<const RenderedChange*>>> documents;
    for (const RenderedChange& change : remainder) {
      std::string key = change.workload.kind + "/" + change.workload.name;
      auto found = std::find_if(documents.begin(), documents.end(),
                                [&](const auto& document) { return document.first == key; });
      if (found == documents.end()) {
        documents.push_back({key, {&change}});
      } else {
        found->second.push_back(&change);
      }
    }
    std::string text;
    for (const auto& [key, containers] : documents) {
      text += (text.empty() ? "" : "---\n") +
              detail::patch_document(
                  *containers.front(),
                  detail::base_name(kustomization, containers.front()->workload.name), containers);
    }
    std::string file = (fs::path(dir) / kOverlayPatchFile).string();
    std::error_code error;
    if (fs::exists(file, error)) {
      return fail(file +
                  ": exists but the overlay's kustomization does not list it; list it under "
                  "`patches:` or remove it");
    }
    PODFIT_TRY_ASSIGN(
        with_entry, detail::with_patch_entry(kustomization.path, listed, kustomization.has_patches,
                                             kOverlayPatchFile));
    listed = std::move(with_entry);
    std::string why = "a new patch of the overlay";
    if (partial) why += " (what the patches edited in place do not set)";
    if (!notes.empty()) why += ", listed last so it decides over: " + join(notes, "; ");
    if (!base_notes.empty()) {
      why += " (--edit-base left the base alone: " + join(base_notes, "; ") + ")";
    }
    plan.edits.push_back({file, "",
                          "# Written by podfit: resources measured in this overlay's "
                          "environment (podfit patch -k).\n" +
                              text,
                          true, why});
    kustomization_why += std::string(kustomization_why.empty() ? "" : "; ") +
                         "lists the new patch last, so it decides";
  }
  if (listed != kustomization.text) {
    plan.edits.push_back(
        {kustomization.path, kustomization.text, listed, false, kustomization_why});
  }
  return plan;
}

}  // namespace podfit::manifest

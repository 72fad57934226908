// Finding workloads in the user's YAML and reading their current resources.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/core/workload_facts.hpp"

namespace podfit::manifest {

struct ContainerSpec {
  std::string name;
  bool init_container = false;  // in initContainers
  bool restart_always = false;  // an init container with restartPolicy: Always (a sidecar)
  Resources current;
  std::size_t line = 0;                    // 1-based line of the container's entry
  std::vector<std::string> command_line;   // command, then args (the literal strings)
  std::map<std::string, std::string> env;  // env entries with a literal `value`
};

struct Workload {
  WorkloadRef ref;  // namespace empty when metadata.namespace is absent
  std::string api_version;
  LabelSelector selector;                          // spec.selector (empty for Job/CronJob/Pod)
  Labels template_labels;                          // the pod template's labels
  std::map<std::string, std::string> annotations;  // metadata.annotations
  // The pod template's annotations (a Pod's own), with where each value is written.
  std::map<std::string, EditableScalar> template_annotations;
  std::vector<ContainerSpec> containers;
  std::size_t document = 0;  // 0-based document index in the stream
  std::size_t line = 0;      // 1-based line of the object's start
  std::string file;          // the manifest's path (for messages and patch comments)
};

namespace detail {
struct EditLayout;
}

struct ManifestFile {
  std::string path;
  std::string text;  // the file's bytes, unchanged
  // Not a file but what a renderer printed ("kubectl kustomize overlays/prod"): read,
  // never edited or diffed.
  std::string rendered_by;
  std::vector<Workload> workloads;
  std::vector<Autoscaler> autoscalers;  // HorizontalPodAutoscalers (v1, v2, v2beta*)
  // Where the editable maps lie in `text`, found by the parse that found the
  // workloads (apply_changes parses again when it is missing or `text` changed).
  std::shared_ptr<const detail::EditLayout> layout;
};

// Files named by `paths`: files as given; directories recursively, *.yaml and
// *.yml, sorted (like kubectl apply -f). A missing path is an error naming it.
Result<std::vector<std::string>> expand_paths(const std::vector<std::string>& paths);

// Reads and parses one file. Kinds: Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, Job, CronJob (jobTemplate), Pod, and any of them
// inside `kind: List`; HorizontalPodAutoscalers go to `autoscalers`.
// Errors name path:line: invalid YAML, a Helm template ({{ ... }}), unreadable file.
Result<ManifestFile> load_manifest(const std::string& path);
// A file's bytes (values files, kustomizations, templates); errors name the path and why.
Result<std::string> read_whole_file(const std::string& path);
// load_manifest for each of `paths`, results in the same order. Parsing dominates
// the time of `podfit patch`, so files are parsed on all cores.
std::vector<Result<ManifestFile>> load_manifests(const std::vector<std::string>& paths);
// The same, from text already in memory (path used for messages only).
Result<ManifestFile> parse_manifest(const std::string& path, std::string text);

// Reads a flat YAML mapping of scalars as key -> value; errors name path:line.
Result<std::map<std::string, std::string>> load_settings_file(const std::string& path);

// A --policy file's rule: settings for the workloads in `namespace_name` (empty: any)
// whose pod labels match `selector` (kubectl -l syntax; empty: any).
struct PolicyRuleSpec {
  std::string origin;  // "policy.yaml:7"
  std::string namespace_name;
  std::string selector;
  std::map<std::string, std::string> settings;
};

struct PolicyFile {
  std::map<std::string, std::string> settings;  // the top level's, for every workload
  std::vector<PolicyRuleSpec> rules;            // `rules:`, in file order
};

// The --policy file: `key: value` settings and an optional `rules:` list of mappings, each
// with `namespace` and/or `selector` and settings. Errors name path:line.
Result<PolicyFile> load_policy_file(const std::string& path);

}  // namespace podfit::manifest

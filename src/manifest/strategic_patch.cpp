// strategic_patches: one strategic-merge patch document per changed workload.
#include <cctype>
#include <string>
#include <vector>

#include "manifest/resource_fields.hpp"
#include "podfit/manifest/editor.hpp"

namespace podfit::manifest {

namespace {

// Plain when it cannot be misread as YAML syntax, else a double-quoted string.
std::string yaml_text(const std::string& text) {
  bool plain = !text.empty() && std::isalnum(static_cast<unsigned char>(text.front()));
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      plain = false;
    }
  }
  if (plain) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

bool differs(const std::optional<ResourceValue>& current,
             const std::optional<ResourceValue>& target, const char* name) {
  if (current.has_value() != target.has_value()) return true;
  return current && detail::value_text(*current, name) != detail::value_text(*target, name);
}

// "{requests: {cpu: 25m}, limits: {cpu: null}}": set what differs, null what goes.
std::string resources_patch(const Resources& current, const Resources& target) {
  std::string sections;
  for (const char* section : {"requests", "limits"}) {
    std::string values;
    for (const char* name : {"cpu", "memory"}) {
      const auto& before = detail::field(current, section, name);
      const auto& after = detail::field(target, section, name);
      if (!differs(before, after, name)) continue;
      if (!values.empty()) values += ", ";
      values += std::string(name) + ": " +
                (after ? yaml_text(detail::value_text(*after, name)) : std::string("null"));
    }
    if (values.empty()) continue;
    if (!sections.empty()) sections += ", ";
    sections += std::string(section) + ": {" + values + "}";
  }
  return sections.empty() ? "" : "{" + sections + "}";
}

const ContainerChange* find_change(const std::vector<ContainerChange>& changes,
                                   const WorkloadRef& workload, const std::string& container) {
  for (const auto& change : changes) {
    if (change.workload == workload && change.container == container) return &change;
  }
  return nullptr;
}

// "{spec: {template: {spec: {containers: [...]}}}}" around the pod spec `inner`.
std::string wrap_pod_spec(const std::string& kind, const std::string& inner) {
  if (kind == "Pod") return "spec: " + inner;
  if (kind == "CronJob") return "spec: {jobTemplate: {spec: {template: {spec: " + inner + "}}}}";
  return "spec: {template: {spec: " + inner + "}}";
}

}  // namespace

std::string strategic_patches(const std::vector<Workload>& workloads,
                              const std::vector<ContainerChange>& changes) {
  std::string out;
  for (const Workload& workload : workloads) {
    const WorkloadRef& ref = workload.ref;
    std::string name = ref.namespace_name.empty() ? ref.name : ref.namespace_name + "/" + ref.name;
    std::string title =
        "# " + ref.kind + " " + name + (workload.file.empty() ? "" : " (" + workload.file + ")");
    std::string lists[2];  // containers, initContainers
    for (const ContainerSpec& container : workload.containers) {
      const ContainerChange* change = find_change(changes, workload.ref, container.name);
      if (change == nullptr) continue;
      std::string patch = resources_patch(container.current, change->target);
      if (patch.empty()) continue;
      std::string& list = lists[container.init_container ? 1 : 0];
      if (!list.empty()) list += ", ";
      list += "{name: " + yaml_text(container.name) + ", resources: " + patch + "}";
    }
    if (lists[0].empty() && lists[1].empty()) continue;
    if (!out.empty()) out += "---\n";
    if (ref.kind == "Job" || ref.kind == "Pod") {
      out += title + ": no patch: the pod spec of a " + ref.kind +
             " cannot be changed in place; apply the edited manifest (podfit patch --write) "
             "and re-create it\n";
      continue;
    }
    std::string pod_spec;
    if (!lists[0].empty()) pod_spec += "containers: [" + lists[0] + "]";
    if (!lists[1].empty()) {
      pod_spec += std::string(pod_spec.empty() ? "" : ", ") + "initContainers: [" + lists[1] + "]";
    }
    std::string patch = wrap_pod_spec(ref.kind, '{' + pod_spec + '}');
    std::string kind;
    for (char c : ref.kind) kind += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += title + '\n';
    out += std::string("# kubectl ") +
           (ref.namespace_name.empty() ? "" : "-n " + ref.namespace_name + " ") + "patch " + kind +
           " " + ref.name + " --type strategic -p '" + patch + "'\n";
    out += patch + '\n';
  }
  return out;
}

}  // namespace podfit::manifest

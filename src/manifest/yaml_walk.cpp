#include "manifest/yaml_walk.hpp"

#include <map>
#include <optional>
#include <utility>

#include "manifest/text_scan.hpp"
#include "podfit/quantity/quantity.hpp"
#include "podfit/yaml/stream_check.hpp"

namespace podfit::manifest::detail {

namespace {

struct Walker {
  const std::string& path;
  const std::string& text;
  std::size_t document = 0;
  std::vector<WorkloadNodes> found;

  std::string where(const YAML::Node& node) const {
    return path + ":" + std::to_string(node.Mark().line + 1);
  }

  Result<void> visit(const YAML::Node& object);
  Result<void> add_workload(const YAML::Node& object, const std::string& kind);
  Result<void> read_containers(const YAML::Node& pod_spec, const char* key, bool init,
                               WorkloadNodes& out);
  Result<Resources> read_resources(const YAML::Node& container);
  Result<LabelSelector> read_selector(const YAML::Node& selector);
  Result<Labels> read_labels(const YAML::Node& labels);
  std::map<std::string, EditableScalar> read_annotations(const YAML::Node& annotations) const;
};

// command and args as written, and the env entries with a literal value: what a
// runtime's heap flags (-Xmx, --max-old-space-size, GOMEMLIMIT) are read from.
void read_command_line(const YAML::Node& container, ContainerSpec& spec) {
  for (const char* key : {"command", "args"}) {
    YAML::Node list = child(container, key);
    if (!list.IsSequence()) continue;
    for (const auto& item : list) {
      if (item.IsScalar()) spec.command_line.push_back(item.Scalar());
    }
  }
  YAML::Node env = child(container, "env");
  if (!env.IsSequence()) return;
  for (const auto& entry : env) {
    std::string name = scalar_or_empty(child(entry, "name"));
    YAML::Node value = child(entry, "value");
    if (!name.empty() && value.IsDefined() && value.IsScalar()) spec.env[name] = value.Scalar();
  }
}

bool is_workload_kind(const std::string& kind) {
  return kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
         kind == "ReplicaSet" || kind == "ReplicationController" || kind == "Job" ||
         kind == "CronJob" || kind == "Pod";
}

bool is_list_kind(const std::string& kind) {
  return kind == "List" || (kind.size() > 4 && kind.ends_with("List"));
}

Result<void> Walker::visit(const YAML::Node& object) {
  if (!object.IsMap()) return {};
  std::string kind = scalar_or_empty(child(object, "kind"));
  if (is_list_kind(kind)) {
    YAML::Node items = child(object, "items");
    if (!items.IsDefined() || items.IsNull()) return {};
    if (!items.IsSequence()) return fail(where(items) + ": `items` of a List must be a sequence");
    for (const auto& item : items) {
      if (auto result = visit(item); !result) return result;
    }
    return {};
  }
  if (!is_workload_kind(kind)) return {};
  return add_workload(object, kind);
}

Result<void> Walker::add_workload(const YAML::Node& object, const std::string& kind) {
  WorkloadNodes out;
  Workload& workload = out.workload;
  YAML::Node metadata = child(object, "metadata");
  workload.ref = WorkloadRef{scalar_or_empty(child(metadata, "namespace")), kind,
                             scalar_or_empty(child(metadata, "name"))};
  if (workload.ref.name.empty()) {
    // generateName (Argo CD and Helm hooks): a new object each time, nothing to patch by name.
    if (!scalar_or_empty(child(metadata, "generateName")).empty()) return {};
    YAML::Node name = child(metadata, "name");
    if (name.IsDefined() && !name.IsScalar())
      return fail(where(name) + ": metadata.name is not text");
    return fail(where(object) + ": " + kind + " without metadata.name");
  }
  workload.api_version = scalar_or_empty(child(object, "apiVersion"));
  workload.document = document;
  workload.line = object.Mark().line + 1;

  YAML::Node spec = child(object, "spec");
  YAML::Node pod_spec;
  YAML::Node pod_metadata;
  if (kind == "Pod") {
    pod_spec = spec;
    pod_metadata = metadata;
  } else {
    YAML::Node job_spec = kind == "CronJob" ? child(child(spec, "jobTemplate"), "spec") : spec;
    YAML::Node pod_template = child(job_spec, "template");
    pod_spec = child(pod_template, "spec");
    pod_metadata = child(pod_template, "metadata");
    if (kind == "ReplicationController") {  // a plain map of labels, not a LabelSelector
      PODFIT_TRY_ASSIGN(selector, read_labels(child(spec, "selector")));
      workload.selector.match_labels = std::move(selector);
    } else if (kind != "Job" && kind != "CronJob") {
      PODFIT_TRY_ASSIGN(selector, read_selector(child(spec, "selector")));
      workload.selector = std::move(selector);
    }
  }
  PODFIT_TRY_ASSIGN(labels, read_labels(child(pod_metadata, "labels")));
  workload.template_labels = std::move(labels);
  for (auto& [key, value] : read_annotations(child(metadata, "annotations"))) {
    workload.annotations[key] = value.text;
  }
  workload.template_annotations = read_annotations(child(pod_metadata, "annotations"));
  // Without a selector (a ReplicationController, or extensions/v1beta1 workloads), the API
  // server defaults it to the pod template's labels.
  if (kind != "Pod" && kind != "Job" && kind != "CronJob" && workload.selector.empty()) {
    workload.selector.match_labels = workload.template_labels;
  }

  if (auto r = read_containers(pod_spec, "initContainers", true, out); !r) return r;
  if (auto r = read_containers(pod_spec, "containers", false, out); !r) return r;
  found.push_back(std::move(out));
  return {};
}

Result<void> Walker::read_containers(const YAML::Node& pod_spec, const char* key, bool init,
                                     WorkloadNodes& out) {
  YAML::Node list = child(pod_spec, key);
  if (!list.IsDefined() || list.IsNull()) return {};
  if (!list.IsSequence()) return fail(where(list) + ": `" + key + "` must be a sequence");
  for (const auto& container : list) {
    if (!container.IsMap()) return fail(where(container) + ": a container must be a mapping");
    ContainerSpec spec;
    spec.name = scalar_or_empty(child(container, "name"));
    if (spec.name.empty()) return fail(where(container) + ": container without a name");
    spec.init_container = init;
    spec.restart_always = init && scalar_or_empty(child(container, "restartPolicy")) == "Always";
    spec.line = container.Mark().line + 1;
    read_command_line(container, spec);
    PODFIT_TRY_ASSIGN(resources, read_resources(container));
    spec.current = std::move(resources);
    out.workload.containers.push_back(std::move(spec));
    out.containers.push_back(container);
  }
  return {};
}

Result<Resources> Walker::read_resources(const YAML::Node& container) {
  Resources resources;
  YAML::Node block = child(container, "resources");
  if (!block.IsDefined() || block.IsNull()) return resources;
  if (!block.IsMap()) return fail(where(block) + ": `resources` must be a mapping");
  struct Field {
    const char* section;
    const char* name;
    std::optional<ResourceValue>* slot;
  };
  const Field fields[] = {{"requests", "cpu", &resources.cpu_request},
                          {"requests", "memory", &resources.memory_request},
                          {"limits", "cpu", &resources.cpu_limit},
                          {"limits", "memory", &resources.memory_limit}};
  for (const Field& field : fields) {
    YAML::Node section = child(block, field.section);
    if (!section.IsDefined() || section.IsNull()) continue;
    if (!section.IsMap()) {
      return fail(where(section) + ": `resources." + field.section + "` must be a mapping");
    }
    YAML::Node value = child(section, field.name);
    if (!value.IsDefined() || value.IsNull()) continue;
    std::string label = std::string(field.section) + "." + field.name;
    if (!value.IsScalar()) return fail(where(value) + ": " + label + " must be a quantity");
    auto parsed = quantity::parse(value.Scalar());
    if (!parsed) return fail(where(value) + ": bad " + label + ": " + parsed.error().message);
    *field.slot = ResourceValue{parsed->value(), value.Scalar()};
  }
  // The API server defaults a request that is not set to its limit: that is what the
  // container gets now.
  if (!resources.cpu_request) resources.cpu_request = resources.cpu_limit;
  if (!resources.memory_request) resources.memory_request = resources.memory_limit;
  return resources;
}

Result<LabelSelector> Walker::read_selector(const YAML::Node& node) {
  LabelSelector selector;
  if (!node.IsDefined() || node.IsNull()) return selector;
  if (!node.IsMap()) return fail(where(node) + ": `selector` must be a mapping");
  PODFIT_TRY_ASSIGN(labels, read_labels(child(node, "matchLabels")));
  selector.match_labels = std::move(labels);
  YAML::Node expressions = child(node, "matchExpressions");
  if (!expressions.IsDefined() || expressions.IsNull()) return selector;
  if (!expressions.IsSequence())
    return fail(where(expressions) + ": matchExpressions must be a list");
  for (const auto& expression : expressions) {
    LabelRequirement requirement;
    requirement.key = scalar_or_empty(child(expression, "key"));
    std::string op = scalar_or_empty(child(expression, "operator"));
    using Op = LabelRequirement::Operator;
    if (op == "In") {
      requirement.op = Op::in;
    } else if (op == "NotIn") {
      requirement.op = Op::not_in;
    } else if (op == "Exists") {
      requirement.op = Op::exists;
    } else if (op == "DoesNotExist") {
      requirement.op = Op::does_not_exist;
    } else {
      return fail(where(expression) + ": unknown matchExpressions operator '" + op + "'");
    }
    if (requirement.key.empty()) return fail(where(expression) + ": matchExpressions without key");
    YAML::Node values = child(expression, "values");
    if (values.IsSequence()) {
      for (const auto& value : values) requirement.values.push_back(scalar_or_empty(value));
    }
    selector.match_expressions.push_back(std::move(requirement));
  }
  return selector;
}

Result<Labels> Walker::read_labels(const YAML::Node& node) {
  Labels labels;
  if (!node.IsDefined() || node.IsNull()) return labels;
  if (!node.IsMap()) return fail(where(node) + ": labels must be a mapping");
  for (auto entry : node) {
    if (!entry.second.IsScalar()) return fail(where(entry.second) + ": a label value must be text");
    labels[entry.first.Scalar()] = entry.second.Scalar();
  }
  return labels;
}

std::map<std::string, EditableScalar> Walker::read_annotations(const YAML::Node& node) const {
  std::map<std::string, EditableScalar> annotations;
  if (!node.IsMap()) return annotations;
  for (auto entry : node) {
    if (!entry.first.IsScalar() || !entry.second.IsScalar()) continue;
    const YAML::Mark mark = entry.second.Mark();
    annotations[entry.first.Scalar()] = EditableScalar{
        entry.second.Scalar(), static_cast<std::size_t>(mark.pos) + mark_offset(text),
        static_cast<std::size_t>(mark.line) + 1};
  }
  return annotations;
}

}  // namespace

YAML::Node child(const YAML::Node& node, std::string_view key) {
  if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto entry : node) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string scalar_or_empty(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

std::size_t mark_offset(const std::string& text) {
  return text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
}

Result<std::vector<YAML::Node>> load_documents(const std::string& path, const std::string& text) {
  PODFIT_TRY(yaml::check_stream(text, path));
  try {
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& error) {
    // "{{" in a file that parses is data (an alert's description, a command); only a file
    // that does not parse is said to be a probable template.
    std::string hint;
    if (std::size_t brace = text.find("{{"); brace != std::string::npos) {
      hint = " (it looks like a Helm/Go template, '{{' on line " +
             std::to_string(line_number(text, brace)) + ": give its chart with --chart DIR, or render it with helm template)";
    }
    if (error.mark.is_null()) return fail(path + ": invalid YAML: " + error.msg + hint);
    return fail(path + ":" + std::to_string(error.mark.line + 1) + ":" +
                std::to_string(error.mark.column + 1) + ": invalid YAML: " + error.msg + hint);
  }
}

Result<std::vector<WorkloadNodes>> find_workloads(const std::string& path, const std::string& text,
                                                  const std::vector<YAML::Node>& documents) {
  Walker walker{path, text};
  for (const auto& document : documents) {
    if (auto result = walker.visit(document); !result) {
      // `{{ .Values.x }}` is valid YAML (a flow mapping), so a template can parse: name
      // it when what failed is not a Kubernetes object's shape.
      if (text.find("{{") == std::string::npos) return tl::unexpected(result.error());
      return fail(result.error().message +
                  " (it looks like a Helm/Go template: give its chart with --chart DIR, or render it "
                  "with helm template)");
    }
    ++walker.document;
  }
  return std::move(walker.found);
}

}  // namespace podfit::manifest::detail

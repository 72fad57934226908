#include "manifest/golden_cases.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "podfit/quantity/quantity.hpp"
#include "support/support.hpp"

namespace podfit::manifest::test {

namespace fs = std::filesystem;

std::optional<ResourceValue> value_of(const std::string& text) {
  if (text == "-") return std::nullopt;
  auto parsed = quantity::parse(text);
  if (!parsed) throw std::runtime_error("bad quantity in change.txt: " + text);
  return ResourceValue{parsed->value(), text};
}

namespace {

// "Kind namespace name container req.cpu req.memory lim.cpu lim.memory"
ContainerChange parse_change_line(const std::string& line) {
  std::istringstream in(line);
  std::string kind, ns, name, container, fields[4];
  in >> kind >> ns >> name >> container >> fields[0] >> fields[1] >> fields[2] >> fields[3];
  if (!in) throw std::runtime_error("bad change.txt line: " + line);
  ContainerChange change;
  change.workload = WorkloadRef{ns == "-" ? "" : ns, kind, name};
  change.container = container;
  change.target.cpu_request = value_of(fields[0]);
  change.target.memory_request = value_of(fields[1]);
  change.target.cpu_limit = value_of(fields[2]);
  change.target.memory_limit = value_of(fields[3]);
  return change;
}

const YAML::Node child(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto entry : node) {
    if (entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void collect(const YAML::Node& object, std::vector<std::pair<std::string, YAML::Node>>& out) {
  if (!object.IsMap()) return;
  std::string kind = child(object, "kind").IsScalar() ? child(object, "kind").Scalar() : "";
  if (kind == "List") {
    for (const auto& item : child(object, "items")) collect(item, out);
    return;
  }
  YAML::Node spec = child(object, "spec");
  YAML::Node pod_spec;
  if (kind == "Pod") {
    pod_spec = spec;
  } else if (kind == "CronJob") {
    pod_spec = child(child(child(child(spec, "jobTemplate"), "spec"), "template"), "spec");
  } else if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
             kind == "ReplicaSet" || kind == "Job") {
    pod_spec = child(child(spec, "template"), "spec");
  } else {
    return;
  }
  YAML::Node metadata = child(object, "metadata");
  WorkloadRef ref{
      child(metadata, "namespace").IsScalar() ? child(metadata, "namespace").Scalar() : "", kind,
      child(metadata, "name").Scalar()};
  for (const char* list : {"initContainers", "containers"}) {
    YAML::Node containers = child(pod_spec, list);
    if (!containers.IsSequence()) continue;
    for (const auto& container : containers) {
      out.emplace_back(container_key(ref, child(container, "name").Scalar()), container);
    }
  }
}

}  // namespace

std::string container_key(const WorkloadRef& ref, const std::string& container) {
  return ref.kind + " " + ref.namespace_name + "/" + ref.name + " " + container;
}

std::vector<std::pair<std::string, YAML::Node>> container_nodes(
    const std::vector<YAML::Node>& documents) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  for (const auto& document : documents) collect(document, out);
  return out;
}

Resources resources_of(const YAML::Node& container) {
  Resources resources;
  YAML::Node block = child(container, "resources");
  auto read = [&](const char* section, const char* name) -> std::optional<ResourceValue> {
    YAML::Node value = child(child(block, section), name);
    if (!value.IsDefined() || value.IsNull()) return std::nullopt;
    return value_of(value.Scalar());
  };
  resources.cpu_request = read("requests", "cpu");
  resources.memory_request = read("requests", "memory");
  resources.cpu_limit = read("limits", "cpu");
  resources.memory_limit = read("limits", "memory");
  return resources;
}

std::vector<GoldenCase> golden_cases() {
  fs::path root = fs::path(podfit::test::source_dir()) / "fixtures" / "manifests";
  std::vector<GoldenCase> cases;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    GoldenCase golden;
    golden.name = entry.path().filename().string();
    golden.dir = entry.path().string();
    std::istringstream lines(podfit::test::read_file(entry.path() / "change.txt"));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      golden.changes.push_back(parse_change_line(line));
    }
    cases.push_back(std::move(golden));
  }
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  return cases;
}

}  // namespace podfit::manifest::test

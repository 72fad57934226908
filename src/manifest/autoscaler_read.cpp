// HorizontalPodAutoscalers in a manifest: what they scale and on which request-relative
// metrics (autoscaling/v1 targetCPUUtilizationPercentage, v2 and v2beta2 `metrics`,
// v2beta1 targetAverageUtilization), with where each utilization is written.
#include "manifest/yaml_walk.hpp"

namespace podfit::manifest::detail {

namespace {

// The percentage in `node`, and where it is; false when it is not a number.
bool read_utilization(const YAML::Node& node, const std::string& text, AutoscalerMetric& metric) {
  if (!node.IsDefined() || !node.IsScalar()) return false;
  try {
    metric.utilization = std::stod(node.Scalar());
  } catch (const std::exception&) {
    return false;
  }
  metric.offset = static_cast<std::size_t>(node.Mark().pos) + mark_offset(text);
  metric.line = static_cast<std::size_t>(node.Mark().line) + 1;
  return true;
}

// Entry `index` of spec.metrics (v2, v2beta2, v2beta1).
AutoscalerMetric read_metric(const YAML::Node& entry, std::size_t index, const std::string& text) {
  AutoscalerMetric metric;
  std::string at = "/spec/metrics/" + std::to_string(index);
  std::string type = scalar_or_empty(child(entry, "type"));
  bool per_container = type == "ContainerResource";
  if (type != "Resource" && !per_container) {
    metric.type = type.empty() ? "unknown" : type;
    return metric;
  }
  YAML::Node source = child(entry, per_container ? "containerResource" : "resource");
  metric.resource = scalar_or_empty(child(source, "name"));
  metric.container = scalar_or_empty(child(source, "container"));
  YAML::Node target = child(source, "target");
  if (target.IsDefined()) {  // v2, v2beta2
    metric.type = scalar_or_empty(child(target, "type"));
    if (metric.type == "Utilization") {
      read_utilization(child(target, "averageUtilization"), text, metric);
      metric.path =
          at + (per_container ? "/containerResource" : "/resource") + "/target/averageUtilization";
    }
    return metric;
  }
  metric.path = at + "/resource/targetAverageUtilization";
  if (read_utilization(child(source, "targetAverageUtilization"), text, metric)) {  // v2beta1
    metric.type = "Utilization";
  } else {
    metric.type = "AverageValue";
  }
  return metric;
}

struct Finder {
  const std::string& path;
  const std::string& text;
  std::vector<Autoscaler> found;

  void visit(const YAML::Node& object) {
    if (!object.IsMap()) return;
    std::string kind = scalar_or_empty(child(object, "kind"));
    if (kind.size() > 4 && kind.ends_with("List")) {
      YAML::Node items = child(object, "items");
      if (!items.IsSequence()) return;
      // The API server's list leaves kind out of its items.
      for (const auto& item : items) {
        kind == "HorizontalPodAutoscalerList" ? add(item) : visit(item);
      }
      return;
    }
    if (kind == "HorizontalPodAutoscaler") add(object);
  }

  void add(const YAML::Node& object) {
    Autoscaler autoscaler;
    YAML::Node metadata = child(object, "metadata");
    autoscaler.ref = {scalar_or_empty(child(metadata, "namespace")), "HorizontalPodAutoscaler",
                      scalar_or_empty(child(metadata, "name"))};
    autoscaler.api_version = scalar_or_empty(child(object, "apiVersion"));
    autoscaler.file = path;
    autoscaler.line = static_cast<std::size_t>(object.Mark().line) + 1;
    YAML::Node spec = child(object, "spec");
    YAML::Node target = child(spec, "scaleTargetRef");
    autoscaler.target = {autoscaler.ref.namespace_name, scalar_or_empty(child(target, "kind")),
                         scalar_or_empty(child(target, "name"))};
    if (autoscaler.target.name.empty()) return;
    YAML::Node metrics = child(spec, "metrics");
    if (metrics.IsSequence() && metrics.size() > 0) {
      for (std::size_t i = 0; i < metrics.size(); ++i) {
        autoscaler.metrics.push_back(read_metric(metrics[i], i, text));
      }
    } else {
      // v1's one field; without it (and without metrics) the controller targets 80 % CPU.
      AutoscalerMetric cpu{
          "cpu", "Utilization", 80, "", 0, 0, "/spec/targetCPUUtilizationPercentage"};
      read_utilization(child(spec, "targetCPUUtilizationPercentage"), text, cpu);
      if (!autoscaler.api_version.ends_with("/v1"))
        cpu.path = "/spec/metrics";  // v2 without metrics: add them
      autoscaler.metrics.push_back(cpu);
    }
    found.push_back(std::move(autoscaler));
  }
};

}  // namespace

std::vector<Autoscaler> find_autoscalers(const std::string& path, const std::string& text,
                                         const std::vector<YAML::Node>& documents) {
  Finder finder{path, text, {}};
  for (const auto& document : documents) finder.visit(document);
  return std::move(finder.found);
}

}  // namespace podfit::manifest::detail

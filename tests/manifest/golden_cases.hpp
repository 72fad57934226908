// The golden cases under fixtures/manifests/<case>/: input.yaml, the
// hand-written expected.yaml, and change.txt naming the target resources.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "podfit/manifest/editor.hpp"

namespace podfit::manifest::test {

struct GoldenCase {
  std::string name;
  std::string dir;
  std::vector<ContainerChange> changes;
};

// Every case folder, sorted by name.
std::vector<GoldenCase> golden_cases();

// A target value from its text (the amount parsed as a quantity); "-" is absent.
std::optional<ResourceValue> value_of(const std::string& text);

// The container mappings (containers and initContainers) of every workload in
// a parsed stream, keyed "Kind namespace/name container".
std::vector<std::pair<std::string, YAML::Node>> container_nodes(
    const std::vector<YAML::Node>& documents);
std::string container_key(const WorkloadRef& ref, const std::string& container);

// The resources a container node holds (cpu/memory of requests/limits, as written).
Resources resources_of(const YAML::Node& container);

}  // namespace podfit::manifest::test

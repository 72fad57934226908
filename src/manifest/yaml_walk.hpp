// Loading a YAML stream and finding the workloads in it, keeping the yaml-cpp
// nodes so the editor can locate the bytes behind them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "podfit/core/error.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest::detail {

struct WorkloadNodes {
  Workload workload;
  std::vector<YAML::Node> containers;  // parallel to workload.containers
};

// Child `key` of `node` when `node` is a mapping that has it, else an undefined node
// (never a zombie node that would add the key).
YAML::Node child(const YAML::Node& node, std::string_view key);
// The node's text when it is a scalar, else "".
std::string scalar_or_empty(const YAML::Node& node);

// yaml-cpp marks count bytes from after a UTF-8 byte order mark; this is its size.
std::size_t mark_offset(const std::string& text);

// All documents of the stream. Errors: a Helm template ("path:line: ... {{"),
// invalid YAML ("path:line:column: ...").
Result<std::vector<YAML::Node>> load_documents(const std::string& path, const std::string& text);

// Workloads in document order (List items in item order).
Result<std::vector<WorkloadNodes>> find_workloads(const std::string& path, const std::string& text,
                                                  const std::vector<YAML::Node>& documents);

// HorizontalPodAutoscalers in document order (List items in item order), with where
// their utilization targets are written (autoscaler_read.cpp).
std::vector<Autoscaler> find_autoscalers(const std::string& path, const std::string& text,
                                         const std::vector<YAML::Node>& documents);

// Re-parses `after` (an edit of `before`) and fails, naming path:line, unless it parses
// to the same documents with only the containers' `resources` changed, and each container
// of `changes` reads back with its target's values.
Result<void> check_only_resources_changed(const std::string& path, const std::string& before,
                                          const std::string& after,
                                          const std::vector<ContainerChange>& changes = {});

}  // namespace podfit::manifest::detail

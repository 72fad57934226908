// Inside the manifest module: where a chart's HPA templates take their utilization targets.
#pragma once

#include <string>
#include <vector>

#include "podfit/manifest/helm.hpp"

namespace podfit::manifest::detail {

// The values path of each Utilization metric of `autoscaler` (rendered from `template_text`,
// the chart file `origin`): the template's `averageUtilization: {{ .Values.X }}` lines (also
// targetAverageUtilization, targetCPUUtilizationPercentage) in order, one per rendered
// Utilization metric; when their numbers differ, none is placed and `why` says so.
std::vector<TargetPlacement> place_targets(const std::string& template_text,
                                           const std::string& origin,
                                           const Autoscaler& autoscaler);

}  // namespace podfit::manifest::detail

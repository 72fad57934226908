// Helm charts: the workloads a chart renders with its values files, and for each workload
// container the values path that sets its resources, so a recommendation is written to
// the values file a reviewer would change (docs/manifest.md, "Helm values files").
#pragma once

#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest {

struct HelmSource {
  std::string chart_dir;
  std::vector<std::string> values_files;  // as helm -f takes them; the last one is edited
  std::string release = "release-name";   // helm template's own default
  std::string namespace_name;             // empty: helm's default
  std::string rendered_file;  // what `helm template` printed (with its `# Source:` lines)
};

// Where one rendered container's resources come from.
struct ValuesPlacement {
  WorkloadRef workload;  // as rendered
  std::string container;
  bool placed = false;
  std::vector<std::string> keys;  // the map that holds `resources` ({}: the values' root)
  std::string why;                // how it was found, or why it could not be
};

// Where a rendered HPA's utilization target comes from: `averageUtilization: {{ .Values.X }}`
// (or v1's targetCPUUtilizationPercentage) in its template.
struct TargetPlacement {
  WorkloadRef autoscaler;  // as rendered
  std::size_t metric = 0;  // index into its metrics
  std::vector<std::string> keys;  // the values path; empty when the template does not say
  std::string why;
};

struct HelmRender {
  std::vector<ManifestFile> rendered;  // one per rendered document; never edited
  std::vector<ValuesPlacement> placements;
  std::vector<TargetPlacement> targets;
  std::string values_file;  // the file to edit: the last -f, else the chart's values.yaml
};

// `helm template` (or the --rendered file), parsed, with each container's values path read
// from the template that produced it (`# Source:`): `.Values.<path>.resources` as the
// template uses it (toYaml, with), the i-th such reference for the i-th container; an
// annotation `podfit.io/values-path` on the workload (`PATH` or `CONTAINER=PATH,...`)
// decides where the template does not. Nothing is guessed: an unplaced container says why.
Result<HelmRender> render_helm(const HelmSource& source);

// The values file's text with `target` as the `resources` of the map at `keys`, edited
// byte-exact (comments, order, quoting kept); maps missing along the path are added in
// the file's style. The result is checked: it parses, and nothing but that `resources`
// differs. Errors name `path` and the line.
Result<std::string> apply_values_change(const std::string& path, const std::string& text,
                                        const std::vector<std::string>& keys,
                                        const Resources& target);

// The Helm charts (folders with a Chart.yaml) that `paths` (as -f takes them) are in or
// hold: -f reads their templates and values files as manifests, which they are not.
std::vector<std::string> chart_dirs(const std::vector<std::string>& paths);

// The values file's text with the scalar at `keys` set to `scalar` (replaced in place, or
// added with the maps along the path in the file's style). Checked like
// apply_values_change; an empty (null) value there is an error that says to set it by hand.
Result<std::string> apply_values_scalar(const std::string& path, const std::string& text,
                                        const std::vector<std::string>& keys,
                                        const std::string& scalar);

}  // namespace podfit::manifest

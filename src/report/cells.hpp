// Human-readable cells shared by the table and Markdown writers, and the
// machine-readable writers (internal to the report module).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "podfit/core/workload.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::report::detail {

// Why a cell might be coloured in the table.
enum class Tone { plain, up, down, muted };

struct Cell {
  std::string text;
  Tone tone = Tone::plain;
};

const std::vector<std::string>& column_headers();
std::vector<Cell> row_cells(const policy::Recommendation& recommendation);

// "sample Deployment/web app": names one container in footers.
std::string container_label(const policy::Recommendation& recommendation);

// One number through a printf format ("%.2f%%"), for every report writer.
std::string formatted(const char* format, double value);

std::string describe_cpu(double cores);         // "18.2m", "1.25"
std::string describe_memory(double bytes);      // "44.6Mi", "1.5Gi"
std::string describe_duration(double seconds);  // "2h0m", "45m", "30s"
// "2m -> 21m", "21m" when unchanged, "-" when absent.
std::string describe_change(const std::optional<ResourceValue>& current,
                            const std::optional<ResourceValue>& recommended);

void write_json(std::ostream& out, const std::vector<policy::Recommendation>& recommendations);
void write_csv(std::ostream& out, const std::vector<policy::Recommendation>& recommendations);

}  // namespace podfit::report::detail

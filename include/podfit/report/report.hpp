// Writers for recommendations: table (default), JSON, CSV, Markdown.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"
#include "podfit/policy/policy.hpp"

namespace podfit::report {

enum class Format { table, json, csv, markdown };

Result<Format> parse_format(const std::string& name);

struct ReportOptions {
  Format format = Format::table;
  bool color = false;  // ANSI colour in the table (only on a terminal)
};

void write_report(std::ostream& out, const std::vector<policy::Recommendation>& recommendations,
                  const ReportOptions& options);

}  // namespace podfit::report

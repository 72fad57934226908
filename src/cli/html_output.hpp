// The HTML report as an output of recommend, patch and backtest: `-o html` to standard
// output, or `--html FILE` beside the usual output.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace podfit::cli {

void add_html_option(CLI::App& command, std::string& path);

// Now, to the second, as the report's "generated" time.
std::string html_generated_at();

// Writes the report to `path` through a temporary file and a rename, so a reader never
// sees half a report. Throws podfit::Failure(fatal) naming the path on failure.
void write_html_file(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace podfit::cli

// -o html and --html FILE.
#include "cli/html_output.hpp"

#include <cstdio>
#include <fstream>

#include "cli/commands.hpp"
#include "podfit/core/error.hpp"
#include "podfit/core/time.hpp"

namespace podfit::cli {

void add_html_option(CLI::App& command, std::string& path) {
  command.add_option("--html", path, "also write the HTML report (charts, self-contained) to FILE")
      ->type_name("FILE");
}

std::string html_generated_at() {
  std::int64_t now = now_ns();
  return format_rfc3339(now - now % 1'000'000'000LL);
}

void write_html_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::string temporary = path + ".podfit-tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw Failure(ExitCode::fatal, "--html " + path + ": cannot write " + temporary);
    write(out);
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw Failure(ExitCode::fatal, "--html " + path + ": writing failed (disk full?)");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw Failure(ExitCode::fatal, "--html " + path + ": cannot rename " + temporary + " to it");
  }
}

}  // namespace podfit::cli

#include "support/support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace podfit::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "podfit-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

CommandResult run_command(const std::string& command, const std::string& stdin_text) {
  TempDir dir;
  write_file(dir / "stdin", stdin_text);
  std::string full = "( " + command + " ) <" + shell_quote((dir / "stdin").string()) + " >" +
                     shell_quote((dir / "stdout").string()) + " 2>" +
                     shell_quote((dir / "stderr").string());
  int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(dir / "stdout");
  result.err = read_file(dir / "stderr");
  return result;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << text;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string source_dir() {
  return PODFIT_SOURCE_DIR;
}
std::string podfit_binary() {
  return PODFIT_BINARY;
}
std::string python() {
  return PODFIT_PYTHON;
}

}  // namespace podfit::test

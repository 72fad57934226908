// Helpers shared by the tests: temp folders, running commands, reading files.
#pragma once

#include <filesystem>
#include <string>

namespace podfit::test {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs `command` through /bin/sh, with standard input from `stdin_text`.
CommandResult run_command(const std::string& command, const std::string& stdin_text = "");

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& text);

// Quotes for /bin/sh.
std::string shell_quote(const std::string& text);

// Paths baked in at build time.
std::string source_dir();     // the checkout
std::string podfit_binary();  // the built `podfit`
std::string python();         // /usr/bin/python3

}  // namespace podfit::test

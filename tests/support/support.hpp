// Helpers shared by the tests: temp folders, running commands, reading files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

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

// A test server started in the background: `args` (args[0] a path) with its output in
// `log`, killed when the test process dies. Waits up to `timeout_ms` for the server to
// write its port to `port_file`; otherwise kills it and throws with the log and `what`.
struct SpawnedServer {
  pid_t pid = -1;
  int port = 0;
};
SpawnedServer spawn_server(std::vector<std::string> args, const std::filesystem::path& log,
                           const std::filesystem::path& port_file, int timeout_ms,
                           const std::string& what);

// Paths baked in at build time.
std::string source_dir();     // the checkout
std::string podfit_binary();  // the built `podfit`
std::string python();         // /usr/bin/python3

// Runs the built `podfit` with `args` (shell words, quoted by the caller).
CommandResult podfit_run(const std::string& args);

}  // namespace podfit::test

#include "support/support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

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
CommandResult podfit_run(const std::string& args) {
  return run_command(shell_quote(podfit_binary()) + " " + args);
}
std::string python() {
  return PODFIT_PYTHON;
}

SpawnedServer spawn_server(std::vector<std::string> args, const std::filesystem::path& log,
                           const std::filesystem::path& port_file, int timeout_ms,
                           const std::string& what) {
  SpawnedServer server;
  server.pid = fork();
  if (server.pid == 0) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // Never outlive the test process, and keep its stdout/stderr pipes free.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  for (int waited = 0; waited < timeout_ms && !std::filesystem::exists(port_file); waited += 25) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (!std::filesystem::exists(port_file)) {
    kill(server.pid, SIGKILL);
    waitpid(server.pid, nullptr, 0);
    throw std::runtime_error(what + " did not start: " + read_file(log));
  }
  server.port = std::stoi(read_file(port_file));
  return server;
}

}  // namespace podfit::test

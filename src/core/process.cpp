#include "podfit/core/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace podfit {

namespace {

tl::unexpected<Error> system_error(const char* call) {
  std::string message = call;
  message += ": ";
  message += std::strerror(errno);
  return fail(message);
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t count = read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    text.append(buffer, static_cast<std::size_t>(count));
  }
  return text;
}

}  // namespace

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const std::optional<std::vector<std::string>>& environment,
                                  bool capture_stderr) {
  if (argv.empty()) return fail("run_process: no program");
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return system_error("pipe");
  // Standard error goes to a temp file: two pipes read one after the other could
  // deadlock on a chatty program.
  std::FILE* err_file = capture_stderr ? std::tmpfile() : nullptr;
  if (capture_stderr && err_file == nullptr) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return system_error("tmpfile");
  }
  std::vector<char*> args, envp;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  if (environment) {
    for (const auto& entry : *environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
  }
  pid_t pid = fork();
  if (pid < 0) return system_error("fork");
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (err_file != nullptr) dup2(fileno(err_file), STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (environment) environ = envp.data();
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  ProcessOutput output;
  output.out = read_all(pipe_fds[0]);
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  output.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (err_file != nullptr) {
    std::rewind(err_file);
    output.err = read_all(fileno(err_file));
    std::fclose(err_file);
  }
  return output;
}

bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream folders(path);
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    if (folder.empty()) folder = ".";
    folder += '/';
    folder += name;
    if (access(folder.c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace podfit

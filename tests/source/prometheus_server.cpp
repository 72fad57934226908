#include "source/prometheus_server.hpp"

#include "kube/fake_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace podfit::test {

namespace {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

// GET path over plain HTTP/1.0; the status code, or 0 when nothing answers.
int http_status(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int status = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[64] = {};
      ssize_t got = read(fd, buffer, sizeof buffer - 1);
      if (got > 12) status = std::atoi(buffer + 9);  // "HTTP/1.1 200 OK"
    }
  }
  close(fd);
  return status;
}

}  // namespace

bool prometheus_installed() {
  return std::filesystem::exists("/usr/bin/prometheus") &&
         std::filesystem::exists("/usr/bin/promtool");
}

PrometheusServer::PrometheusServer(const std::filesystem::path& openmetrics) {
  std::string data = (dir_ / "data").string();
  auto blocks = run_command("/usr/bin/promtool tsdb create-blocks-from openmetrics -q " +
                            shell_quote(openmetrics.string()) + " " + shell_quote(data));
  if (blocks.exit_code != 0) throw std::runtime_error("promtool failed: " + blocks.err);
  write_file(dir_ / "prometheus.yml", "global:\n  scrape_interval: 1h\nscrape_configs: []\n");
  port_ = free_port();
  std::vector<std::string> args = {"/usr/bin/prometheus", "--storage.tsdb.path=" + data,
                                   "--storage.tsdb.retention.time=100y",
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--config.file=" + (dir_ / "prometheus.yml").string()};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = (dir_ / "prometheus.log").string();
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start /usr/bin/prometheus");
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (http_status(port_, "/-/ready") == 200) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("prometheus exited: " + read_file(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("prometheus not ready after 30 s: " + read_file(log));
}

PrometheusServer::~PrometheusServer() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

AuthProxy::AuthProxy(const std::string& upstream, bool tls,
                     const std::vector<std::string>& credentials)
    : tls_(tls) {
  std::vector<std::string> args = {
      python(),      source_dir() + "/tests/source/prometheus_proxy.py",
      "--upstream",  upstream,
      "--port-file", (dir_ / "port").string()};
  if (tls) {
    for (std::string flag : {"--cert", "--key"}) {
      args.push_back(flag);
      args.push_back((test_certs() / (flag == "--cert" ? "server.crt" : "server.key")).string());
    }
  }
  args.insert(args.end(), credentials.begin(), credentials.end());
  auto server = spawn_server(std::move(args), dir_ / "proxy.log", dir_ / "port", 10000,
                             "prometheus_proxy.py");
  pid_ = server.pid;
  port_ = server.port;
}

AuthProxy::~AuthProxy() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

void write_trace_pair(const TempDir& dir, const std::string& gen_trace_args,
                      const std::string& convert_args) {
  std::string raw = shell_quote((dir / "raw.jsonl").string());
  auto generated = run_command(python() + " " + shell_quote(source_dir() + "/tools/gen_trace.py") +
                               " " + gen_trace_args + " -o " + raw);
  if (generated.exit_code != 0) throw std::runtime_error("gen_trace.py: " + generated.err);
  auto converted = run_command(
      python() + " " + shell_quote(source_dir() + "/tests/source/prometheus_trace.py") + " " + raw +
      " --jsonl " + shell_quote((dir / "trace.jsonl").string()) + " --openmetrics " +
      shell_quote((dir / "trace.om").string()) + " " + convert_args);
  if (converted.exit_code != 0) throw std::runtime_error("prometheus_trace.py: " + converted.err);
}

}  // namespace podfit::test

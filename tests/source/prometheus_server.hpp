// A real Prometheus (Debian's package) for a test: promtool turns an
// OpenMetrics file into TSDB blocks in a temp folder, then `prometheus` serves
// them on 127.0.0.1 at a free port until the object is destroyed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace podfit::test {

// True when /usr/bin/prometheus and /usr/bin/promtool are installed.
bool prometheus_installed();

class PrometheusServer {
 public:
  // Throws std::runtime_error (with promtool's or prometheus' output) on failure.
  explicit PrometheusServer(const std::filesystem::path& openmetrics);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// tests/source/prometheus_proxy.py in front of `upstream`: it answers 401 unless a
// request carries every credential in `credentials` (its --token T, --basic USER:PASSWORD
// and --header 'Name: value' arguments), and serves HTTPS with test_certs()' server
// certificate when `tls`. Stopped when destroyed.
class AuthProxy {
 public:
  AuthProxy(const std::string& upstream, bool tls, const std::vector<std::string>& credentials);
  ~AuthProxy();
  AuthProxy(const AuthProxy&) = delete;
  AuthProxy& operator=(const AuthProxy&) = delete;

  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  TempDir dir_;
  bool tls_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The trace `gen_trace_args` describes, as snapped JSON Lines (dir/trace.jsonl)
// and OpenMetrics (dir/trace.om) by tests/source/prometheus_trace.py, whose
// extra options are `convert_args`.
void write_trace_pair(const TempDir& dir, const std::string& gen_trace_args,
                      const std::string& convert_args = "");

}  // namespace podfit::test

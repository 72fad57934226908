// A real Prometheus (Debian's package) for a test: promtool turns an
// OpenMetrics file into TSDB blocks in a temp folder, then `prometheus` serves
// them on 127.0.0.1 at a free port until the object is destroyed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

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

// The trace `gen_trace_args` describes, as snapped JSON Lines (dir/trace.jsonl)
// and OpenMetrics (dir/trace.om) by tests/source/prometheus_trace.py, whose
// extra options are `convert_args`.
void write_trace_pair(const TempDir& dir, const std::string& gen_trace_args,
                      const std::string& convert_args = "");

}  // namespace podfit::test

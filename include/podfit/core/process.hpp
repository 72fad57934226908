// Running a helper program (a kubeconfig exec plugin, kubectl kustomize) and reading
// what it prints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "podfit/core/error.hpp"

namespace podfit {

struct ProcessOutput {
  int exit_status = -1;  // 128 + signal when killed; 127 when it could not be started
  std::string out;
  std::string err;  // only when asked for
};

// Runs argv[0] (looked up on PATH) with `argv`; its standard input is /dev/null and its
// standard output is returned. `environment`: the whole environment (default: ours).
// Its standard error is ours, or captured when `capture_stderr`.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const std::optional<std::vector<std::string>>& environment = {},
                                  bool capture_stderr = false);

// Whether `name` is an executable file in a folder of PATH.
bool on_path(const std::string& name);

}  // namespace podfit

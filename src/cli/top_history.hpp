// `podfit top --store`: kubectl-top-like usage from the history store (docs/store.md).
#pragma once

#include <string>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/kube/top.hpp"

namespace podfit::cli {

struct TopHistoryOptions {
  std::string store_path;
  std::string history = "24h";  // the window, ending at the newest sample in the store
  std::string namespace_name;   // empty: every namespace
  std::string selector;         // -l, kubectl syntax
  kube::TopOptions table;
};

// Prints the table to stdout; throws podfit::Failure (usage for bad flags, fatal for a
// missing or empty store or a window without the pods asked for).
void run_top_history(const TopHistoryOptions& options);

}  // namespace podfit::cli

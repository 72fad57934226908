// `podfit top --store`: usage like `kubectl top pod` (latest value), plus P95 and MAX
// over a window of the history store (docs/store.md).
#pragma once

#include <cstdint>
#include <string>

#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/history/history.hpp"
#include "podfit/kube/top.hpp"

namespace podfit::report {

struct TopHistoryRequest {
  std::string origin;          // the store, for messages
  std::string window_text;     // the window as given ("24h"), for messages
  std::int64_t end_ns = 0;     // the window's end (exclusive)
  std::string namespace_name;  // empty: every namespace (and a NAMESPACE column)
  LabelSelector selector;      // empty: every pod
  std::string selector_text;   // -l as given, for messages
  kube::TopOptions table;
};

// The table of the pods of `history` (a window read with merged hours) the request
// selects; fails, naming the window, when it selects none.
Result<std::string> format_top_history(const history::History& history,
                                       const TopHistoryRequest& request);

}  // namespace podfit::report

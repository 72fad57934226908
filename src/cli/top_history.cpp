#include "cli/top_history.hpp"

#include <iostream>

#include "podfit/history/load.hpp"
#include "podfit/report/top_history.hpp"
#include "podfit/source/prometheus.hpp"

namespace podfit::cli {

void run_top_history(const TopHistoryOptions& options) {
  double window = must(source::parse_history_seconds(options.history), ExitCode::usage);
  report::TopHistoryRequest request;
  request.selector = must(parse_label_selector(options.selector), ExitCode::usage);
  request.origin = options.store_path;
  request.window_text = options.history;
  request.namespace_name = options.namespace_name;
  request.selector_text = options.selector;
  request.table = options.table;
  history::History history = must(history::load_store_window(
      options.store_path, static_cast<std::int64_t>(window * 1e9), request.end_ns));
  std::cout << must(report::format_top_history(history, request));
}

}  // namespace podfit::cli

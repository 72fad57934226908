// Backtest results as a table, JSON or Markdown.
#include "podfit/report/backtest_report.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "podfit/core/columns.hpp"

namespace podfit::report {

namespace {

using backtest::Exposure;

bool walk_forward(const backtest::BacktestResult& result) {
  return result.walk_forward.interval_seconds > 0;
}

// "24h", "14d", "90m", "45s": the largest unit that divides the duration.
std::string duration_text(double seconds) {
  auto whole = static_cast<long long>(seconds);
  for (auto [unit, size] : {std::pair{"d", 86400LL}, {"h", 3600LL}, {"m", 60LL}}) {
    if (whole >= size && whole % size == 0) return std::to_string(whole / size) + unit;
  }
  return std::to_string(whole) + "s";
}

std::string printf_string(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string percent(const Exposure& exposure, std::size_t count) {
  return printf_string("%.1f%%", exposure.share(count) * 100);
}

std::string cores(double amount) {
  return printf_string("%.1fm", amount * 1000);
}
std::string mebibytes(double bytes) {
  return printf_string("%.1fMi", bytes / 1048576.0);
}

std::string value_or_dash(const std::optional<ResourceValue>& value) {
  return value ? value->text : "-";
}

std::string resources_text(const Resources& resources) {
  return value_or_dash(resources.cpu_request) + "/" + value_or_dash(resources.cpu_limit) + " " +
         value_or_dash(resources.memory_request) + "/" + value_or_dash(resources.memory_limit);
}

using Row = std::vector<std::string>;

const Row kHeader{
    "NAMESPACE",     "WORKLOAD",      "CONTAINER",     "POLICY",   "CPU REQ/LIM MEM REQ/LIM",
    "TEST",          "CPU>REQ",       "CPU>LIM",       "MEM>REQ",  "MEM>LIM (OOM)",
    "OOM-FREE DAYS", "SLACK CPU R/L", "SLACK MEM R/L", "IDLE CPU", "IDLE MEM",
    "CHANGES"};

std::string slack(const backtest::SlackSum& sum) {
  return sum.samples ? printf_string("%.0f%%", sum.mean() * 100) : "-";
}

Row with_cell(Row row, std::string cell) {
  row.push_back(std::move(cell));
  return row;
}

Row exposure_row(Row row, const std::string& resources, const Exposure& exposure,
                 const std::string& changes) {
  row.push_back(resources);
  row.push_back(std::to_string(exposure.samples));
  row.push_back(percent(exposure, exposure.cpu_over_request));
  row.push_back(percent(exposure, exposure.cpu_over_limit));
  row.push_back(percent(exposure, exposure.memory_over_request));
  row.push_back(std::to_string(exposure.memory_over_limit) + " (" +
                percent(exposure, exposure.memory_over_limit) + ")");
  row.push_back(std::to_string(exposure.oom_free_days()) + "/" + std::to_string(exposure.days()));
  row.push_back(slack(exposure.cpu_request_slack) + "/" + slack(exposure.cpu_limit_slack));
  row.push_back(slack(exposure.memory_request_slack) + "/" + slack(exposure.memory_limit_slack));
  row.push_back(cores(exposure.cpu_idle_cores()));
  row.push_back(mebibytes(exposure.memory_idle_bytes()));
  row.push_back(changes);
  return row;
}

std::vector<Row> rows_of(const backtest::BacktestResult& result) {
  std::vector<Row> rows;
  const backtest::ContainerResult* previous = nullptr;
  for (const auto& container : result.containers) {
    bool first_of_container = previous == nullptr || previous->workload != container.workload ||
                              previous->container != container.container;
    Row prefix{container.workload.namespace_name,
               container.workload.kind + "/" + container.workload.name, container.container};
    if (first_of_container && container.with_current.known) {
      rows.push_back(exposure_row(with_cell(prefix, "current"),
                                  resources_text(container.recommendation.current),
                                  container.with_current, "-"));
    }
    std::string policy = backtest::preset_name(container.preset);
    if (!container.recommendation.has_recommendation) policy += " (too little data)";
    rows.push_back(exposure_row(with_cell(prefix, policy),
                                resources_text(container.recommendation.recommended),
                                container.with_recommended, std::to_string(container.changes)));
    previous = &container;
  }
  for (const auto& totals : result.totals) {
    Row prefix{totals.scope.empty() ? "TOTAL" : totals.scope, "(all)",
               std::to_string(totals.containers) + " containers"};
    if (totals.with_current.known && totals.preset == result.containers.front().preset) {
      rows.push_back(exposure_row(with_cell(prefix, "current"), "", totals.with_current, "-"));
    }
    rows.push_back(exposure_row(with_cell(prefix, backtest::preset_name(totals.preset)), "",
                                totals.with_recommended, std::to_string(totals.changes)));
  }
  return rows;
}

void write_table(std::ostream& out, const std::vector<Row>& rows) {
  std::vector<Row> table{kHeader};
  table.insert(table.end(), rows.begin(), rows.end());
  out << format_columns(table, ColumnStyle{.padding = 2});
}

void write_markdown(std::ostream& out, const std::vector<Row>& rows) {
  auto print = [&](const Row& row) {
    out << '|';
    for (const std::string& cell : row) out << ' ' << cell << " |";
    out << '\n';
  };
  print(kHeader);
  out << '|';
  for (std::size_t i = 0; i < kHeader.size(); ++i) out << " --- |";
  out << '\n';
  for (const Row& row : rows) print(row);
}

nlohmann::json slack_json(const backtest::SlackSum& sum) {
  return sum.samples ? nlohmann::json(sum.mean()) : nlohmann::json(nullptr);
}

nlohmann::json exposure_json(const Exposure& exposure) {
  if (!exposure.known) return nullptr;
  return {{"samples", exposure.samples},
          {"cpu_over_request", exposure.cpu_over_request},
          {"cpu_over_request_share", exposure.share(exposure.cpu_over_request)},
          {"cpu_over_limit", exposure.cpu_over_limit},
          {"cpu_over_limit_share", exposure.share(exposure.cpu_over_limit)},
          {"memory_over_request", exposure.memory_over_request},
          {"memory_over_request_share", exposure.share(exposure.memory_over_request)},
          {"memory_over_limit", exposure.memory_over_limit},
          {"memory_over_limit_share", exposure.share(exposure.memory_over_limit)},
          {"oom_kills", exposure.oom_kills},
          {"days", exposure.days()},
          {"oom_free_days", exposure.oom_free_days()},
          {"cpu_request_relative_slack", slack_json(exposure.cpu_request_slack)},
          {"cpu_limit_relative_slack", slack_json(exposure.cpu_limit_slack)},
          {"memory_request_relative_slack", slack_json(exposure.memory_request_slack)},
          {"memory_limit_relative_slack", slack_json(exposure.memory_limit_slack)},
          {"cpu_idle_cores", exposure.cpu_idle_cores()},
          {"memory_idle_bytes", exposure.memory_idle_bytes()}};
}

nlohmann::json resources_json(const Resources& resources) {
  nlohmann::json requests = nlohmann::json::object();
  nlohmann::json limits = nlohmann::json::object();
  if (resources.cpu_request) requests["cpu"] = resources.cpu_request->text;
  if (resources.memory_request) requests["memory"] = resources.memory_request->text;
  if (resources.cpu_limit) limits["cpu"] = resources.cpu_limit->text;
  if (resources.memory_limit) limits["memory"] = resources.memory_limit->text;
  return {{"requests", requests}, {"limits", limits}};
}

void write_json(std::ostream& out, const backtest::BacktestResult& result) {
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& container : result.containers) {
    containers.push_back({{"namespace", container.workload.namespace_name},
                          {"kind", container.workload.kind},
                          {"workload", container.workload.name},
                          {"container", container.container},
                          {"policy", backtest::preset_name(container.preset)},
                          {"train_samples", container.train_samples},
                          {"has_recommendation", container.recommendation.has_recommendation},
                          {"recommended", resources_json(container.recommendation.recommended)},
                          {"current", resources_json(container.recommendation.current)},
                          {"reason", container.recommendation.reason},
                          {"changes", container.changes},
                          {"test", exposure_json(container.with_recommended)},
                          {"test_current", exposure_json(container.with_current)}});
  }
  nlohmann::json totals = nlohmann::json::array();
  for (const auto& total : result.totals) {
    totals.push_back(
        {{"namespace", total.scope.empty() ? nlohmann::json(nullptr) : nlohmann::json(total.scope)},
         {"policy", backtest::preset_name(total.preset)},
         {"containers", total.containers},
         {"containers_with_oom", total.containers_with_oom},
         {"changes", total.changes},
         {"test", exposure_json(total.with_recommended)},
         {"test_current", exposure_json(total.with_current)}});
  }
  nlohmann::json mode = {{"mode", walk_forward(result) ? "walk-forward" : "split"}};
  if (walk_forward(result)) {
    mode["interval_seconds"] = result.walk_forward.interval_seconds;
    mode["window_seconds"] = result.walk_forward.window_seconds;
    mode["intervals"] = result.steps;
  }
  nlohmann::json document = {{"split",
                              {{"train_begin_ns", result.split.train_begin_ns},
                               {"split_ns", result.split.split_ns},
                               {"test_end_ns", result.split.test_end_ns}}},
                             {"mode", mode},
                             {"containers", containers},
                             {"totals", totals}};
  // Invalid UTF-8 in a name becomes U+FFFD instead of an exception.
  out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace

void write_backtest(std::ostream& out, const backtest::BacktestResult& result, Format format) {
  if (format == Format::json) return write_json(out, result);
  if (walk_forward(result)) {
    out << (format == Format::markdown ? "" : "# ") << "walk-forward: every "
        << duration_text(result.walk_forward.interval_seconds) << " from the trailing "
        << duration_text(result.walk_forward.window_seconds) << ", " << result.steps
        << " intervals replayed\n"
        << (format == Format::markdown ? "\n" : "");
  }
  if (result.containers.empty()) {
    out << "no workload has samples in both the training and the test part\n";
    return;
  }
  std::vector<Row> rows = rows_of(result);
  if (format == Format::markdown) return write_markdown(out, rows);
  write_table(out, rows);  // table; CSV is not offered for backtests
}

}  // namespace podfit::report

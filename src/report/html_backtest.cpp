// The HTML report of a backtest: totals per policy, reserve against risk, and per
// container the replayed period with each policy's requests and limits.
#include <cstdio>
#include <map>
#include <ostream>

#include "podfit/report/html_report.hpp"
#include "report/cells.hpp"
#include "report/html_page.hpp"
#include "report/svg_chart.hpp"

namespace podfit::report {

namespace {

using backtest::Exposure;

constexpr double kGi = 1024.0 * 1024 * 1024;

std::string percent(const Exposure& exposure, std::size_t count) {
  return detail::formatted("%.2f%%", 100 * exposure.share(count));
}

std::string slack(const backtest::SlackSum& sum) {
  return sum.samples ? detail::formatted("%.0f%%", 100 * sum.mean()) : "-";
}

void write_totals(std::ostream& out, const backtest::BacktestResult& result) {
  out << "<table class=\"totals\"><thead><tr><th>policy</th><th>containers</th><th>samples</th>"
         "<th>CPU &gt; request</th><th>throttled</th><th>memory-limit crossings</th>"
         "<th>OOM-free days</th><th>slack CPU / memory request</th><th>idle CPU</th>"
         "<th>idle memory</th><th>changes</th></tr></thead><tbody>";
  for (const backtest::Totals& totals : result.totals) {
    if (!totals.scope.empty()) continue;
    const Exposure& e = totals.with_recommended;
    out << "<tr><td>" << backtest::preset_name(totals.preset) << "</td><td>" << totals.containers
        << "</td><td>" << e.samples << "</td><td>" << percent(e, e.cpu_over_request) << "</td><td>"
        << detail::formatted("%.3f%%", 100 * e.share(e.cpu_over_limit)) << "</td><td>"
        << totals.containers_with_oom << " containers / " << e.memory_over_limit
        << " samples</td><td>" << e.oom_free_days() << "/" << e.days() << "</td><td>"
        << slack(e.cpu_request_slack) << " / " << slack(e.memory_request_slack) << "</td><td>"
        << detail::formatted("%.3f cores", e.cpu_idle_cores()) << "</td><td>"
        << detail::formatted("%.2f GiB", e.memory_idle_bytes() / kGi) << "</td><td>"
        << totals.changes << "</td></tr>";
  }
  out << "</tbody></table>\n";
}

void write_reserve_against_risk(std::ostream& out, const backtest::BacktestResult& result) {
  std::vector<ScatterPoint> cpu, memory;
  for (const backtest::Totals& totals : result.totals) {
    if (!totals.scope.empty()) continue;
    const Exposure& e = totals.with_recommended;
    std::string name = backtest::preset_name(totals.preset);
    cpu.push_back({e.share(e.cpu_over_request), e.cpu_idle_cores(), name});
    memory.push_back({e.share(e.memory_over_limit), e.memory_idle_bytes(), name});
  }
  out << "<div class=\"charts\">"
      << svg_scatter("idle CPU against CPU over request", "share of samples above the CPU request",
                     Unit::cpu, cpu)
      << svg_scatter("idle memory against memory-limit crossings",
                     "share of samples above the memory limit", Unit::memory, memory)
      << "</div>\n";
}

using Key = std::pair<WorkloadRef, std::string>;

Chart test_chart(const std::vector<const backtest::ContainerResult*>& policies,
                 const UsageColumns& usage, Unit unit) {
  bool cpu = unit == Unit::cpu;
  Chart chart;
  chart.unit = unit;
  chart.title = cpu ? "CPU (cores), replayed" : "memory, replayed";
  chart.envelope = Envelope(usage.begin_ns, usage.end_ns);
  chart.envelope.low = cpu ? usage.cpu_low : usage.memory_low;
  chart.envelope.high = cpu ? usage.cpu_high : usage.memory_high;
  for (const backtest::ContainerResult* result : policies) {
    const Resources& target = result->recommendation.recommended;
    std::string name = backtest::preset_name(result->preset);
    for (auto [value, kind, css] :
         {std::tuple{cpu ? target.cpu_request : target.memory_request, "request", "request"},
          {cpu ? target.cpu_limit : target.memory_limit, "limit", "limit"}}) {
      if (value) chart.lines.push_back({value->amount, name + " " + kind + " " + value->text, css});
    }
  }
  return chart;
}

}  // namespace

void write_backtest_html(std::ostream& out, const backtest::BacktestResult& result,
                         const history::History& history, const std::string& generated_at) {
  write_html_head(out, "podfit backtest");
  bool walk = result.walk_forward.interval_seconds > 0;
  out << "<h1>podfit backtest</h1><p class=\"muted\">Generated " << escape_html(generated_at)
      << ". "
      << (walk ? "Walk-forward: every " +
                     detail::formatted("%g", result.walk_forward.interval_seconds / 3600) +
                     " h from the trailing " +
                     detail::formatted("%g", result.walk_forward.window_seconds / 86400) +
                     " days, " + std::to_string(result.steps) +
                     " intervals replayed; the lines show the last interval's values."
               : std::string("Trained on the first part of the history, replayed on the rest."))
      << "</p>\n";
  write_totals(out, result);
  write_reserve_against_risk(out, result);
  std::map<Key, std::vector<const backtest::ContainerResult*>> by_container;
  std::vector<Key> order;
  for (const backtest::ContainerResult& container : result.containers) {
    Key key{container.workload, container.container};
    if (by_container.find(key) == by_container.end()) order.push_back(key);
    by_container[key].push_back(&container);
  }
  std::vector<policy::Recommendation> stand_ins;  // to find each container's usage
  for (const Key& key : order) stand_ins.push_back(by_container[key].front()->recommendation);
  std::vector<HtmlContainer> usage = html_containers(stand_ins, history, result.split.split_ns);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const UsageColumns& replayed = usage[i].usage;
    out << "<section class=\"container\" id=\"c" << i << "\"><h2>"
        << escape_html(order[i].first.display()) << " · container " << escape_html(order[i].second)
        << "</h2><div class=\"charts\">"
        << svg_chart(test_chart(by_container[order[i]], replayed, Unit::cpu))
        << svg_chart(test_chart(by_container[order[i]], replayed, Unit::memory))
        << "</div></section>\n";
  }
  write_html_foot(out);
}

}  // namespace podfit::report

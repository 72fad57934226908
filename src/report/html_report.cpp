// The HTML report of recommend and patch: a summary, a sortable table, and per container
// its charts, the reasons and the diff.
#include "podfit/report/html_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "report/cells.hpp"
#include "report/html_page.hpp"
#include "report/svg_chart.hpp"

namespace podfit::report {

namespace {

constexpr double kGi = 1024.0 * 1024 * 1024;

double amount_or_zero(const std::optional<ResourceValue>& value) {
  return value ? value->amount : 0.0;
}

std::string text_or_dash(const std::optional<ResourceValue>& value) {
  return value ? value->text : "-";
}

// "+12%", "-40%", "new", "" (no change).
std::string change_text(const std::optional<ResourceValue>& before,
                        const std::optional<ResourceValue>& after) {
  if (!after || (before && before->amount == after->amount)) return "";
  if (!before || before->amount == 0) return "new";
  return detail::formatted("%+.0f%%", 100 * (after->amount / before->amount - 1));
}

double change_value(const std::optional<ResourceValue>& before,
                    const std::optional<ResourceValue>& after) {
  if (!after || !before || before->amount == 0) return 0;
  return after->amount / before->amount - 1;
}

enum class Direction { up, down, unchanged };

Direction direction_of(const policy::Recommendation& recommendation) {
  if (!recommendation.changes()) return Direction::unchanged;
  const Resources& before = recommendation.current;
  const Resources& after = recommendation.recommended;
  auto rises = [](const std::optional<ResourceValue>& a, const std::optional<ResourceValue>& b) {
    return b && (!a || b->amount > a->amount);
  };
  return rises(before.cpu_request, after.cpu_request) ||
                 rises(before.memory_request, after.memory_request)
             ? Direction::up
             : Direction::down;
}

struct Totals {
  std::size_t containers = 0, up = 0, down = 0, unchanged = 0;
  double cpu_requested = 0, cpu_used = 0, cpu_recommended = 0;
  double memory_requested = 0, memory_used = 0, memory_recommended = 0;

  void add(const policy::Recommendation& recommendation) {
    ++containers;
    Direction direction = direction_of(recommendation);
    up += direction == Direction::up;
    down += direction == Direction::down;
    unchanged += direction == Direction::unchanged;
    cpu_requested += amount_or_zero(recommendation.current.cpu_request);
    memory_requested += amount_or_zero(recommendation.current.memory_request);
    cpu_used += recommendation.stats.cpu.mean;
    memory_used += recommendation.stats.memory.mean;
    cpu_recommended += amount_or_zero(recommendation.recommended.cpu_request);
    memory_recommended += amount_or_zero(recommendation.recommended.memory_request);
  }
};

void write_summary(std::ostream& out, const HtmlReport& report) {
  std::map<std::string, Totals> by_namespace;
  Totals all;
  for (const HtmlContainer& container : report.containers) {
    by_namespace[container.recommendation->stats.workload.namespace_name].add(
        *container.recommendation);
    all.add(*container.recommendation);
  }
  out << "<table class=\"summary\"><thead><tr><th>namespace</th><th>containers</th><th>up</th>"
         "<th>down</th><th>unchanged</th><th>CPU requested</th><th>CPU used (mean)</th>"
         "<th>CPU recommended</th><th>memory requested</th><th>memory used (mean)</th>"
         "<th>memory recommended</th></tr></thead><tbody>";
  auto row = [&](const std::string& name, const Totals& totals) {
    out << "<tr><td>" << escape_html(name) << "</td><td>" << totals.containers << "</td><td>"
        << totals.up << "</td><td>" << totals.down << "</td><td>" << totals.unchanged << "</td><td>"
        << detail::formatted("%.3f", totals.cpu_requested) << "</td><td>"
        << detail::formatted("%.3f", totals.cpu_used) << "</td><td>"
        << detail::formatted("%.3f", totals.cpu_recommended) << "</td><td>"
        << detail::formatted("%.2f GiB", totals.memory_requested / kGi) << "</td><td>"
        << detail::formatted("%.2f GiB", totals.memory_used / kGi) << "</td><td>"
        << detail::formatted("%.2f GiB", totals.memory_recommended / kGi) << "</td></tr>";
  };
  for (const auto& [name, totals] : by_namespace) row(name.empty() ? "(none)" : name, totals);
  row("total", all);
  out << "</tbody></table><p class=\"muted\">CPU in cores. Requested: the current requests "
         "(manifests or cluster); a container without one counts 0.</p>\n";
}

std::string cell(const std::string& text, const std::string& sort_value) {
  return "<td data-v=\"" + escape_html(sort_value) + "\">" + text + "</td>";
}

void write_table(std::ostream& out, const HtmlReport& report) {
  out << "<table class=\"containers\"><thead><tr><th data-sort>container</th>"
         "<th data-sort>CPU request</th><th data-sort>change</th><th data-sort>memory request</th>"
         "<th data-sort>change</th><th data-sort>idle CPU now</th><th data-sort>idle CPU after</th>"
         "</tr></thead><tbody>";
  for (std::size_t i = 0; i < report.containers.size(); ++i) {
    const policy::Recommendation& r = *report.containers[i].recommendation;
    std::string name = r.stats.workload.display() + " · " + r.stats.container;
    double mean_cpu = r.stats.cpu.mean;
    double idle_now = std::max(amount_or_zero(r.current.cpu_request) - mean_cpu, 0.0);
    double idle_after = std::max(amount_or_zero(r.recommended.cpu_request) - mean_cpu, 0.0);
    out << "<tr>"
        << cell("<a href=\"#c" + std::to_string(i) + "\">" + escape_html(name) + "</a>", name)
        << cell(escape_html(text_or_dash(r.current.cpu_request) + " → " +
                            text_or_dash(r.recommended.cpu_request)),
                detail::formatted("%.6f", amount_or_zero(r.recommended.cpu_request)))
        << cell(change_text(r.current.cpu_request, r.recommended.cpu_request),
                detail::formatted("%.6f",
                                  change_value(r.current.cpu_request, r.recommended.cpu_request)))
        << cell(escape_html(text_or_dash(r.current.memory_request) + " → " +
                            text_or_dash(r.recommended.memory_request)),
                detail::formatted("%.0f", amount_or_zero(r.recommended.memory_request)))
        << cell(change_text(r.current.memory_request, r.recommended.memory_request),
                detail::formatted(
                    "%.6f", change_value(r.current.memory_request, r.recommended.memory_request)))
        << cell(unit_text(Unit::cpu, idle_now), detail::formatted("%.6f", idle_now))
        << cell(unit_text(Unit::cpu, idle_after), detail::formatted("%.6f", idle_after)) << "</tr>";
  }
  out << "</tbody></table><p class=\"muted\">Idle CPU: request minus mean use. Click a "
         "heading to sort.</p>\n";
}

void add_line(std::vector<ChartLine>& lines, const std::optional<ResourceValue>& value,
              const std::string& name, const std::string& css) {
  if (value) lines.push_back({value->amount, name + " " + value->text, css});
}

Chart chart_of(const HtmlContainer& container, Unit unit) {
  const policy::Recommendation& r = *container.recommendation;
  bool cpu = unit == Unit::cpu;
  Chart chart;
  chart.unit = unit;
  chart.title = cpu ? "CPU (cores)" : "memory";
  const UsageColumns& usage = container.usage;
  chart.envelope = Envelope(usage.begin_ns, usage.end_ns);
  chart.envelope.low = cpu ? usage.cpu_low : usage.memory_low;
  chart.envelope.high = cpu ? usage.cpu_high : usage.memory_high;
  const Resources& now = r.current;
  const Resources& next = r.recommended;
  add_line(chart.lines, cpu ? now.cpu_request : now.memory_request, "current request", "current");
  add_line(chart.lines, cpu ? now.cpu_limit : now.memory_limit, "current limit", "current");
  if (r.has_recommendation) {
    add_line(chart.lines, cpu ? next.cpu_request : next.memory_request, "new request", "request");
    add_line(chart.lines, cpu ? next.cpu_limit : next.memory_limit, "new limit", "limit");
    const auto& limit = cpu ? next.cpu_limit : next.memory_limit;
    if (limit) chart.mark_above = limit->amount;
  }
  const stats::Summary& summary = cpu ? r.stats.cpu : r.stats.memory;
  if (summary.count > 0) {
    for (auto [name, value] : {std::pair{"p50", summary.p50},
                               {"p90", summary.p90},
                               {"p99", summary.p99},
                               {"max", summary.max}}) {
      chart.lines.push_back({value, std::string(name) + " " + unit_text(unit, value), "stat"});
    }
  }
  for (const ContainerEvent& event : container.events) {
    if (event.time_ns == 0) continue;
    chart.marks.push_back({event.time_ns, event.oom_killed() ? "OOM kill" : "restart",
                           event.oom_killed() ? "oom" : "restart"});
  }
  return chart;
}

std::string diff_html(const std::string& diff) {
  std::ostringstream out;
  std::istringstream lines(diff);
  std::string line;
  while (std::getline(lines, line)) {
    bool file_line = line.rfind("+++", 0) == 0 || line.rfind("---", 0) == 0;
    const char* css = file_line                 ? nullptr
                      : line.rfind('+', 0) == 0 ? "add"
                      : line.rfind('-', 0) == 0 ? "del"
                                                : nullptr;
    if (css) {
      out << "<span class=\"" << css << "\">" << escape_html(line) << "</span>\n";
    } else {
      out << escape_html(line) << '\n';
    }
  }
  return out.str();
}

void write_section(std::ostream& out, const HtmlContainer& container, std::size_t index) {
  const policy::Recommendation& r = *container.recommendation;
  out << "<section id=\"c" << index << "\" class=\"container\"><h2>"
      << escape_html(r.stats.workload.display()) << " · container "
      << escape_html(r.stats.container) << "</h2><p class=\"muted\">" << r.stats.samples
      << " samples from " << r.stats.pods << " pod" << (r.stats.pods == 1 ? "" : "s") << ", "
      << detail::formatted("%.1f", r.stats.window_seconds / 3600) << " h; requests "
      << escape_html(text_or_dash(r.current.cpu_request) + "/" +
                     text_or_dash(r.current.memory_request))
      << " → "
      << escape_html(text_or_dash(r.recommended.cpu_request) + "/" +
                     text_or_dash(r.recommended.memory_request))
      << ", limits "
      << escape_html(text_or_dash(r.current.cpu_limit) + "/" + text_or_dash(r.current.memory_limit))
      << " → "
      << escape_html(text_or_dash(r.recommended.cpu_limit) + "/" +
                     text_or_dash(r.recommended.memory_limit))
      << "</p><ul class=\"why\">";
  std::string_view reason = r.reason;
  while (!reason.empty()) {
    std::size_t end = reason.find("; ");
    out << "<li>" << escape_html(std::string(reason.substr(0, end))) << "</li>";
    reason = end == std::string_view::npos ? std::string_view{} : reason.substr(end + 2);
  }
  out << "</ul><div class=\"charts\">" << svg_chart(chart_of(container, Unit::cpu))
      << svg_chart(chart_of(container, Unit::memory)) << "</div>";
  if (!container.diff.empty())
    out << "<pre class=\"diff\">" << diff_html(container.diff) << "</pre>";
  out << "</section>\n";
}

}  // namespace

void write_html(std::ostream& out, const HtmlReport& report) {
  write_html_head(out, report.title);
  out << "<h1>" << escape_html(report.title) << "</h1><p class=\"muted\">Generated "
      << escape_html(report.generated_at) << " by podfit. Usage is drawn as its lowest and highest "
      << "value per pixel column; dots: usage above the new limit; triangles on the time "
         "axis: OOM kills (red) and restarts.</p>\n";
  if (report.containers.empty()) {
    out << "<p>No container has recommendations.</p>";
  } else {
    write_summary(out, report);
    write_table(out, report);
    for (std::size_t i = 0; i < report.containers.size(); ++i) {
      write_section(out, report.containers[i], i);
    }
  }
  write_html_foot(out);
}

}  // namespace podfit::report

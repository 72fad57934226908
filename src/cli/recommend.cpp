// podfit recommend: the report of what each container uses and what it should ask for.
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/html_output.hpp"
#include "cli/pipeline.hpp"
#include "cli/published.hpp"
#include "podfit/report/html_report.hpp"
#include "podfit/report/report.hpp"

namespace podfit::cli {

namespace {

struct RecommendOptions {
  PipelineOptions pipeline;
  std::string format = "table";
  std::string publish_configmap;  // --publish-configmap [NS/]NAME
  std::string html_file;          // --html FILE
};

std::string html_of(const PipelineResult& result) {
  report::HtmlReport html;
  html.generated_at = html_generated_at();
  html.containers = report::html_containers(result.recommendations, result.history);
  std::ostringstream out;
  report::write_html(out, html);
  return out.str();
}

int run_recommend(const RecommendOptions& options) {
  bool html_out = options.format == "html";
  auto format = html_out ? Result<report::Format>(report::Format::table)
                         : report::parse_format(options.format);
  if (!format) throw Failure(ExitCode::usage, format.error().message + " or html");
  PipelineResult result = run_pipeline(options.pipeline, std::cerr);
  std::string html = html_out || !options.html_file.empty() || !options.publish_configmap.empty()
                         ? html_of(result)
                         : std::string();
  if (html_out) {
    std::cout << html;
  } else {
    report::ReportOptions report_options;
    report_options.format = *format;
    report_options.color = *format == report::Format::table && stdout_wants_color();
    report::write_report(std::cout, result.recommendations, report_options);
  }
  if (!options.html_file.empty()) {
    write_html_file(options.html_file, [&](std::ostream& out) { out << html; });
  }
  if (!options.publish_configmap.empty()) {
    std::cout.flush();
    publish_report(options.publish_configmap, options.pipeline, result.recommendations, html,
                   std::cerr);
  }
  return static_cast<int>(result.input_problems > 0 ? ExitCode::partial : ExitCode::ok);
}

}  // namespace

void register_recommend(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RecommendOptions>();
  CLI::App* command = app.add_subcommand(
      "recommend", "Report usage statistics and recommended requests/limits per container");
  add_pipeline_options(*command, options->pipeline);
  command
      ->add_option("-o,--output", options->format, "table (default), json, csv, markdown or html")
      ->type_name("FORMAT");
  add_html_option(*command, options->html_file);
  add_publish_option(*command, options->publish_configmap);
  group_options(*command);
  command->callback([options, &exit_code] { exit_code = run_recommend(*options); });
}

}  // namespace podfit::cli

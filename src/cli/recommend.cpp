// podfit recommend: the report of what each container uses and what it should ask for.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/pipeline.hpp"
#include "cli/published.hpp"
#include "podfit/report/report.hpp"

namespace podfit::cli {

namespace {

struct RecommendOptions {
  PipelineOptions pipeline;
  std::string format = "table";
  std::string publish_configmap;  // --publish-configmap [NS/]NAME
};

int run_recommend(const RecommendOptions& options) {
  auto format = report::parse_format(options.format);
  if (!format) throw Failure(ExitCode::usage, format.error().message);
  PipelineResult result = run_pipeline(options.pipeline, std::cerr);
  report::ReportOptions report_options;
  report_options.format = *format;
  report_options.color = *format == report::Format::table && stdout_wants_color();
  report::write_report(std::cout, result.recommendations, report_options);
  if (!options.publish_configmap.empty()) {
    std::cout.flush();
    publish_report(options.publish_configmap, options.pipeline, result.recommendations, std::cerr);
  }
  return static_cast<int>(result.input_problems > 0 ? ExitCode::partial : ExitCode::ok);
}

}  // namespace

void register_recommend(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RecommendOptions>();
  CLI::App* command = app.add_subcommand(
      "recommend", "Report usage statistics and recommended requests/limits per container");
  add_pipeline_options(*command, options->pipeline);
  command->add_option("-o,--output", options->format, "table (default), json, csv or markdown")
      ->type_name("FORMAT");
  add_publish_option(*command, options->publish_configmap);
  group_options(*command);
  command->callback([options, &exit_code] { exit_code = run_recommend(*options); });
}

}  // namespace podfit::cli

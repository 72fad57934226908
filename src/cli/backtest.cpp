// podfit backtest: recommend from the first part of the history, replay the second.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/durations.hpp"
#include "cli/html_output.hpp"
#include "cli/pipeline.hpp"
#include "podfit/backtest/backtest.hpp"
#include "podfit/history/load.hpp"
#include "podfit/report/backtest_report.hpp"
#include "podfit/report/html_report.hpp"

namespace podfit::cli {

namespace {

struct BacktestOptions {
  PipelineOptions pipeline;
  std::string train;
  std::string test;
  double split = 0.5;
  std::string preset = "podfit";
  std::string compare;
  std::string format = "table";
  std::string walk_forward;  // interval; empty: one split
  std::string window = "14d";
  std::string html_file;  // --html FILE
};

std::vector<backtest::Preset> presets_of(const BacktestOptions& options) {
  std::vector<backtest::Preset> presets;
  std::stringstream names(options.compare.empty() ? options.preset : options.compare);
  std::string name;
  while (std::getline(names, name, ',')) {
    auto preset = backtest::parse_preset(name);
    if (!preset) throw Failure(ExitCode::usage, preset.error().message);
    presets.push_back(*preset);
  }
  if (presets.empty()) throw Failure(ExitCode::usage, "--compare needs policy names");
  return presets;
}

// `covered`: the History read, or a store's TimeSpan known before reading it.
template <typename Covered>
backtest::Split split_of(const BacktestOptions& options, const Covered& covered) {
  if (!options.walk_forward.empty()) {
    if (!options.train.empty() || !options.test.empty()) {
      throw Failure(ExitCode::usage, "--walk-forward replaces --train and --test (use --window)");
    }
    auto span =
        backtest::walk_forward_span(covered, duration_flag("--walk-forward", options.walk_forward));
    if (!span) throw Failure(ExitCode::fatal, span.error().message);
    return *span;
  }
  if (options.train.empty() != options.test.empty()) {
    throw Failure(ExitCode::usage, "--train and --test go together");
  }
  auto split = options.train.empty()
                   ? backtest::split_by_fraction(covered, options.split)
                   : backtest::split_by_durations(covered, duration_flag("--train", options.train),
                                                  duration_flag("--test", options.test));
  if (!split) throw Failure(ExitCode::fatal, split.error().message);
  return *split;
}

int run_backtest(const BacktestOptions& options) {
  bool html_out = options.format == "html";
  auto format = html_out ? Result<report::Format>(report::Format::table)
                         : report::parse_format(options.format);
  if (!format || *format == report::Format::csv) {
    throw Failure(ExitCode::usage, "-o must be table, json, markdown or html for a backtest");
  }
  backtest::BacktestRequest request;
  request.presets = presets_of(options);
  if (!options.walk_forward.empty()) {
    request.walk_forward.interval_seconds = duration_flag("--walk-forward", options.walk_forward);
    request.walk_forward.window_seconds = duration_flag("--window", options.window);
    if (!(request.walk_forward.window_seconds > 0)) {
      throw Failure(ExitCode::usage, "--window must be a positive duration, e.g. 14d");
    }
  }
  // A store tells the time it covers before it is read, recorded files after a first
  // pass, and Prometheus the range it is asked for: the history is then read in the
  // backtest's parts, one sketch per long series and part (docs/scale.md). Standard
  // input is read raw.
  const PipelineOptions& pipeline = options.pipeline;
  bool one_source = (pipeline.store_paths.empty() + pipeline.sample_files.empty() +
                     pipeline.prometheus.url.empty()) == 2;
  bool from_stdin = std::find(pipeline.sample_files.begin(), pipeline.sample_files.end(), "-") !=
                    pipeline.sample_files.end();
  std::optional<history::TimeSpan> covered;
  BacktestReading reading;
  if (one_source && !pipeline.store_paths.empty()) {
    covered = must(history::stores_time_span(pipeline.store_paths));
  } else if (one_source && !pipeline.sample_files.empty() && !from_stdin) {
    covered = must(history::recorded_time_span(pipeline.sample_files));
  } else if (one_source && !pipeline.prometheus.url.empty()) {
    covered = prometheus_backtest_span(pipeline.prometheus, reading);
  }
  if (covered) {
    request.split = split_of(options, *covered);
    reading.parts = backtest::backtest_parts(request);
  }
  PipelineInputs inputs = load_inputs(pipeline, std::cerr, &reading);
  if (!covered) request.split = split_of(options, inputs.history);
  request.options = inputs.policy.base;
  backtest::BacktestResult result = backtest::run_backtest(inputs.history, request);
  if (html_out) {
    report::write_backtest_html(std::cout, result, inputs.history, html_generated_at());
  } else {
    report::write_backtest(std::cout, result, *format);
  }
  if (!options.html_file.empty()) {
    write_html_file(options.html_file, [&](std::ostream& out) {
      report::write_backtest_html(out, result, inputs.history, html_generated_at());
    });
  }
  return static_cast<int>(inputs.history.input_problems > 0 ? ExitCode::partial : ExitCode::ok);
}

}  // namespace

void register_backtest(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BacktestOptions>();
  CLI::App* command = app.add_subcommand(
      "backtest", "Recommend from the first part of the history and replay the second part");
  add_pipeline_options(*command, options->pipeline);
  command->add_option("--train", options->train, "training length, the part before --test (7d)")
      ->type_name("DURATION");
  command->add_option("--test", options->test, "test length, the end of the history (7d)")
      ->type_name("DURATION");
  command
      ->add_option("--split", options->split, "share of the covered time that trains (default 0.5)")
      ->type_name("FRACTION");
  command
      ->add_option("--walk-forward", options->walk_forward,
                   "re-recommend every DURATION from the trailing --window, replay the next one "
                   "(24h)")
      ->type_name("DURATION");
  command
      ->add_option("--window", options->window,
                   "walk-forward: history each recommendation uses (default 14d)")
      ->type_name("DURATION");
  command->add_option("--preset", options->preset, "policy: podfit (default), vpa or krr")
      ->type_name("NAME");
  command->add_option("--compare", options->compare, "policies side by side: podfit,vpa,krr")
      ->type_name("LIST");
  command->add_option("-o,--output", options->format, "table (default), json, markdown or html")
      ->type_name("FORMAT");
  add_html_option(*command, options->html_file);
  group_options(*command);
  command->callback([options, &exit_code] { exit_code = run_backtest(*options); });
}

}  // namespace podfit::cli

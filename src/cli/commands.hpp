// Every subcommand registers itself on the app; app.cpp calls each of these.
// A subcommand reports failure by throwing podfit::Failure, and sets
// `exit_code` for outcomes that are not failures (e.g. `patch --check`).
#pragma once

#include <CLI/CLI.hpp>

namespace podfit::cli {

void register_recommend(CLI::App& app, int& exit_code);
void register_patch(CLI::App& app, int& exit_code);
void register_backtest(CLI::App& app, int& exit_code);
void register_top(CLI::App& app, int& exit_code);
void register_collect(CLI::App& app, int& exit_code);
void register_store(CLI::App& app, int& exit_code);

}  // namespace podfit::cli

#include "cli/app.hpp"

#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "podfit/core/error.hpp"
#include "podfit/core/version.hpp"

namespace podfit::cli {

namespace {

constexpr const char* kDescription =
    "podfit right-sizes Kubernetes containers: it reads what pods really use and proposes\n"
    "resources.requests and resources.limits as a reviewable patch of your own YAML.";

void register_commands(CLI::App& app, int& exit_code) {
  // Subcommands, one file each under src/cli/.
  register_recommend(app, exit_code);
  register_patch(app, exit_code);
  register_backtest(app, exit_code);
  register_top(app, exit_code);
  register_collect(app, exit_code);
  register_store(app, exit_code);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{kDescription, "podfit"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("podfit ") + kVersion);
  int exit_code = static_cast<int>(ExitCode::ok);
  register_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One format for every error; CLI11's own message after our prefix.
    std::cerr << "podfit: error: " << e.what() << " (podfit --help, podfit COMMAND --help)\n";
    return static_cast<int>(ExitCode::usage);
  } catch (const Failure& e) {
    std::cerr << "podfit: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "podfit: error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::fatal);
  }
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "podfit: error: cannot write to standard output\n";
    return static_cast<int>(ExitCode::fatal);
  }
  return exit_code;
}

}  // namespace podfit::cli

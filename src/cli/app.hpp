// The command line: one file per subcommand under src/cli/.
#pragma once

namespace podfit::cli {

// Parses the command line, runs the subcommand, and maps any failure to a
// message on stderr and an exit code (docs/exit-codes.md). Never throws.
int run(int argc, char** argv);

}  // namespace podfit::cli

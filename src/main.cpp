#include "cli/app.hpp"

int main(int argc, char** argv) {
  return podfit::cli::run(argc, argv);
}

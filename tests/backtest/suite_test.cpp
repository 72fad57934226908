// The generated suite's goal as a regression test, on a coarser suite than the one in
// docs/backtest.md: 208 workloads of all eight families, 2 days at 10 minutes, split in half.
#include <catch2/catch.hpp>

#include "support/support.hpp"

TEST_CASE("on generated traces podfit breaches no memory limit and risks no more CPU than vpa "
          "and krr",
          "[backtest][suite]") {
  auto result = podfit::test::run_command(
      podfit::test::python() + " " +
      podfit::test::shell_quote(podfit::test::source_dir() + "/bench/backtest_suite.py") + " " +
      podfit::test::shell_quote(podfit::test::podfit_binary()) + " --interval 600 --check");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("goal met") != std::string::npos);
}

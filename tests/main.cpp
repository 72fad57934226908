// The one Catch2 main for podfit_tests; every test file under tests/ links into it.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char* argv[]) {
  // Hermetic: the developer's kubeconfig must not decide where namespace-less manifests
  // go. Tests that need one pass KUBECONFIG or HOME to the command they run.
  setenv("KUBECONFIG", "/nonexistent/podfit-tests/kubeconfig", 1);
  return Catch::Session().run(argc, argv);
}

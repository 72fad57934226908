// The one Catch2 main for podfit_tests; every test file under tests/ links into it.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

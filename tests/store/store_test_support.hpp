// Helpers for the store tests.
#pragma once

#include <string>

#include "podfit/core/sample_set.hpp"

namespace podfit::test {

// Every pod (labels), series (window) and point of `samples` as sorted text
// lines, independent of the order pods and series were first seen in.
std::string samples_text(const SampleSet& samples);

// sqlite3's command-line shell on `path`, for tests that tamper with a store.
std::string sqlite3_shell(const std::string& path, const std::string& sql);

}  // namespace podfit::test

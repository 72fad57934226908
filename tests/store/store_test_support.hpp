// Helpers for the store tests.
#pragma once

#include <string>

#include "podfit/core/sample_set.hpp"
#include "podfit/store/store.hpp"

namespace podfit::test {

inline constexpr std::int64_t kHour = kNanosPerHour;
inline constexpr std::int64_t kStart = 1724407200LL * 1000000000;  // 2024-08-23T10:00:00Z

// Opens (in read_write mode, creating) the store at `path`, or fails the test.
store::Store open_store(const std::string& path,
                        store::OpenMode mode = store::OpenMode::read_write);

// Every pod (labels), series (window) and point of `samples` as sorted text
// lines, independent of the order pods and series were first seen in.
std::string samples_text(const SampleSet& samples);

// sqlite3's command-line shell on `path`, for tests that tamper with a store.
std::string sqlite3_shell(const std::string& path, const std::string& sql);

}  // namespace podfit::test

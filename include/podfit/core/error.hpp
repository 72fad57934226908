// One error convention for all of podfit (see docs/ARCHITECTURE.md).
//
// Low levels return Result<T>: a value, or an Error whose message already
// carries its context ("path:line: what went wrong" or "URL: HTTP 403 ...").
// The CLI turns an Error it cannot handle into a podfit::Failure, which the one
// top-level catch in main.cpp prints and maps to an exit code.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace podfit {

struct Error {
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

// Documented in docs/exit-codes.md; keep the two in step.
enum class ExitCode : int {
  ok = 0,
  changes_proposed = 1,  // `patch --check` found something to change
  usage = 2,             // bad command line
  partial = 3,           // finished, but some inputs were reported and skipped
  fatal = 4,             // could not do the job at all
};

class Failure : public std::runtime_error {
 public:
  Failure(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace podfit

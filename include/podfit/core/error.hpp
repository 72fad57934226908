// One error convention for all of podfit (see docs/ARCHITECTURE.md).
//
// Low levels return Result<T>: a value, or an Error whose message already
// carries its context ("path:line: what went wrong" or "URL: HTTP 403 ...").
// The CLI turns an Error it cannot handle into a podfit::Failure (must()), which
// the one top-level catch, in cli::run (src/cli/app.cpp), prints as
// "podfit: error: ..." and maps to an exit code.
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>
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

// The value of `result`, or a Failure with its message (for the CLI layer).
template <class T>
T must(Result<T> result, ExitCode code = ExitCode::fatal) {
  if (!result) throw Failure(code, result.error().message);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace podfit

// Inside a function returning Result<...>: evaluates `expression` (a Result) and
// returns its error when it has one. PODFIT_TRY_ASSIGN(name, expression) also binds
// the value to a new variable `name`.
#define PODFIT_TRY(expression)                                                  \
  do {                                                                          \
    auto podfit_try_result_ = (expression);                                     \
    if (!podfit_try_result_) return tl::unexpected(podfit_try_result_.error()); \
  } while (false)
#define PODFIT_TRY_ASSIGN(name, expression)                           \
  auto name##_result_ = (expression);                                 \
  if (!name##_result_) return tl::unexpected(name##_result_.error()); \
  auto name = std::move(*name##_result_)

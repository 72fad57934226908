// A first pass over a YAML stream, events only, before any tree is built: it refuses
// what would make yaml-cpp 0.7 (or podfit's walks) run away.
#pragma once

#include <string>

#include "podfit/core/error.hpp"

namespace podfit::yaml {

// Fails, naming `origin`, when the stream
// - makes the parser produce documents without consuming input (yaml-cpp 0.7 loops
//   allocating forever on a stream such as "," or "{ {}},");
// - expands through aliases to more nodes than 20 per byte of text plus 100,000 (an
//   alias bomb: a few hundred bytes of nested aliases naming gigabytes);
// - nests deeper than 256 collections.
// Parse errors are left to the real parse, which reports them with line and column.
Result<void> check_stream(const std::string& text, const std::string& origin);

}  // namespace podfit::yaml

// YAML documents as JSON text, for modules that read YAML configuration (kubeconfig)
// without taking a YAML library of their own.
#pragma once

#include <string>

#include "podfit/core/error.hpp"

namespace podfit::yaml {

// The first document of `text` as JSON text. Plain true/false/null become JSON
// booleans/null; every other scalar becomes a string (callers convert numbers).
// Errors read "origin:line:column: what is wrong".
Result<std::string> yaml_to_json(const std::string& text, const std::string& origin);

}  // namespace podfit::yaml

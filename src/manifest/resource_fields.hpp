// Access to the four managed resource fields by section and name.
#pragma once

#include <optional>
#include <string>

#include "podfit/core/workload.hpp"

namespace podfit::manifest::detail {

// `section` is "requests" or "limits", `name` is "cpu" or "memory".
const std::optional<ResourceValue>& field(const Resources& resources, const std::string& section,
                                          const std::string& name);

// The text to write for a value: as given, or formatted from the amount when empty.
std::string value_text(const ResourceValue& value, const std::string& name);

}  // namespace podfit::manifest::detail

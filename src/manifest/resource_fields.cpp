#include "manifest/resource_fields.hpp"

#include "podfit/quantity/quantity.hpp"

namespace podfit::manifest::detail {

const std::optional<ResourceValue>& field(const Resources& resources, const std::string& section,
                                          const std::string& name) {
  bool cpu = name == "cpu";
  if (section == "requests") return cpu ? resources.cpu_request : resources.memory_request;
  return cpu ? resources.cpu_limit : resources.memory_limit;
}

std::string value_text(const ResourceValue& value, const std::string& name) {
  if (!value.text.empty()) return value.text;
  return name == "cpu" ? quantity::format_cpu(value.amount) : quantity::format_memory(value.amount);
}

}  // namespace podfit::manifest::detail

#include "podfit/yaml/yaml_json.hpp"
#include "podfit/yaml/stream_check.hpp"

#include <yaml-cpp/yaml.h>

namespace podfit::yaml {

namespace {

void append_string(std::string& out, const std::string& text) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_node(std::string& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out.push_back('{');
      bool first = true;
      for (const auto& entry : node) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, entry.first.Scalar());
        out.push_back(':');
        append_node(out, entry.second);
      }
      out.push_back('}');
      return;
    }
    case YAML::NodeType::Sequence: {
      out.push_back('[');
      for (std::size_t i = 0; i < node.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_node(out, node[i]);
      }
      out.push_back(']');
      return;
    }
    case YAML::NodeType::Scalar: {
      const std::string& scalar = node.Scalar();
      bool plain = node.Tag() == "?";  // quoted scalars are tagged "!"
      if (plain && (scalar == "true" || scalar == "false" || scalar == "null" || scalar == "~")) {
        out += scalar == "~" ? "null" : scalar;
      } else {
        append_string(out, scalar);
      }
      return;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out += "null";
      return;
  }
}

}  // namespace

Result<std::string> yaml_to_json(const std::string& text, const std::string& origin) {
  PODFIT_TRY(check_stream(text, origin));
  try {
    YAML::Node document = YAML::Load(text);
    std::string json;
    append_node(json, document);
    return json;
  } catch (const YAML::Exception& error) {
    return fail(origin + ":" + std::to_string(error.mark.line + 1) + ":" +
                std::to_string(error.mark.column + 1) + ": invalid YAML: " + error.msg);
  }
}

}  // namespace podfit::yaml

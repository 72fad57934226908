// The new patch file of an overlay (podfit-resources.yaml) and its `patches:` entry.
#include <sstream>

#include "manifest/overlay_patches.hpp"
#include "manifest/resource_fields.hpp"

namespace podfit::manifest {

namespace detail {

// A strategic-merge patch setting the resources of these containers of one workload.
std::string patch_document(const RenderedChange& first, const std::string& name,
                           const std::vector<const RenderedChange*>& containers) {
  std::ostringstream out;
  out << "apiVersion: " << (first.api_version.empty() ? "apps/v1" : first.api_version) << "\n"
      << "kind: " << first.workload.kind << "\nmetadata:\n  name: " << name << "\n";
  std::string indent;
  for (const std::string& key : pod_spec_path(first.workload.kind)) {
    out << indent << key << ":\n";
    indent += "  ";
  }
  // Strategic merge matches containers by name within their own list: an init container
  // listed under `containers` would be added to the pod as an app container.
  for (bool init : {true, false}) {
    bool listed = false;
    for (const RenderedChange* change : containers) {
      if (change->init_container != init) continue;
      if (!listed) out << indent << (init ? "initContainers:\n" : "containers:\n");
      listed = true;
      out << indent << "- name: " << change->container << "\n" << indent << "  resources:\n";
      for (const char* section : {"requests", "limits"}) {
        auto has = [&](const Resources& r) {
          return detail::field(r, section, "cpu") || detail::field(r, section, "memory");
        };
        if (!has(change->target) && !has(change->remove)) continue;
        out << indent << "    " << section << ":\n";
        for (const char* resource : {"cpu", "memory"}) {
          if (const auto& value = detail::field(change->target, section, resource)) {
            out << indent << "      " << resource << ": " << detail::value_text(*value, resource)
                << "\n";
          } else if (detail::field(change->remove, section, resource)) {
            out << indent << "      " << resource << ": null\n";  // strategic merge deletes it
          }
        }
      }
    }
  }
  return out.str();
}

// kustomization.yaml with `- path: FILE` as the last entry of `patches` (added when
// missing), in the file's own indentation; the rest byte for byte.
Result<std::string> with_patch_entry(const std::string& path, const std::string& text,
                                     bool has_patches, const std::string& file) {
  std::string newline = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
  std::vector<std::pair<std::size_t, std::string>> lines;  // start offset, text
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.emplace_back(start, text.substr(start, end - start));
    start = end;
  }
  std::string ending = text.empty() || text.back() == '\n' ? "" : newline;
  if (!has_patches) {
    return text + ending + "patches:" + newline + "- path: " + file + newline;
  }
  std::size_t key = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].second.rfind("patches:", 0) == 0) key = i;
  }
  std::string after_key = key < lines.size() ? lines[key].second.substr(8) : "";
  if (key == lines.size() || after_key.find_first_not_of(" \t\r\n") != std::string::npos) {
    return fail(path + ": `patches:` is not a block list podfit can add to; add `- path: " + file +
                "` to it yourself");
  }
  std::size_t last = key, item_indent = std::string::npos;
  for (std::size_t i = key + 1; i < lines.size(); ++i) {
    const std::string& line = lines[i].second;
    std::size_t first = line.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || line[first] == '#') continue;
    if (first == 0 && line[0] != '-') break;
    if (line[first] == '-' && item_indent == std::string::npos) item_indent = first;
    last = i;
  }
  std::string indent(item_indent == std::string::npos ? 0 : item_indent, ' ');
  std::size_t insert = lines[last].first + lines[last].second.size();
  std::string before = text.substr(0, insert);
  std::string lead = before.empty() || before.back() == '\n' ? "" : newline;
  return before + lead + indent + "- path: " + file + newline + text.substr(insert);
}

}  // namespace detail

std::string new_file_diff(const std::string& path, const std::string& text) {
  std::size_t count = 0;
  std::string body;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    body += "+" + line + "\n";
    ++count;
  }
  return "diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" +
         path + "\n@@ -0,0 +1," + std::to_string(count) + " @@\n" + body;
}

}  // namespace podfit::manifest

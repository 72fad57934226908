// replace_scalars: rewriting single scalars (an HPA target, an annotation) in place.
#include <algorithm>

#include "manifest/text_scan.hpp"
#include "podfit/manifest/editor.hpp"

namespace podfit::manifest {

using detail::line_number;
using detail::scalar_end;

Result<std::string> replace_scalars(const std::string& path, const std::string& text,
                                    std::vector<ScalarEdit> edits) {
  // From the end, so earlier offsets stay valid.
  std::sort(edits.begin(), edits.end(),
            [](const ScalarEdit& a, const ScalarEdit& b) { return a.offset > b.offset; });
  std::string result = text;
  std::size_t previous = std::string::npos;
  for (const ScalarEdit& edit : edits) {
    std::string where = path + ":" + std::to_string(line_number(text, edit.offset));
    if (edit.offset >= text.size() || edit.offset == previous) {
      return fail(where + ": no single scalar to rewrite here");
    }
    char first = text[edit.offset];
    if (first == '{' || first == '[' || first == '|' || first == '>' || first == '\n' ||
        first == '#') {
      return fail(where + ": expected a scalar, found '" + std::string(1, first) + "'");
    }
    // Flow rules end a plain scalar at ',', '}' or ']' as well: right for
    // `{type: Utilization, averageUtilization: 70}` and harmless for a block value.
    std::size_t end = scalar_end(text, edit.offset, true);
    std::string_view old = std::string_view(text).substr(edit.offset, end - edit.offset);
    if (old.find('\n') != std::string_view::npos) {
      return fail(where + ": a scalar over several lines is not rewritten");
    }
    std::string replacement = edit.value;
    if (first == '"' || first == '\'') replacement = first + edit.value + first;
    result.replace(edit.offset, end - edit.offset, replacement);
    previous = edit.offset;
  }
  return result;
}

}  // namespace podfit::manifest

// The frame every HTML report shares: head (inline CSS, a Content-Security-Policy that
// lets nothing load), the sorting script, the foot.
#pragma once

#include <ostream>
#include <string>

namespace podfit::report {

void write_html_head(std::ostream& out, const std::string& title);
void write_html_foot(std::ostream& out);

}  // namespace podfit::report

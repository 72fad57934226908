// The shared HTML frame: light and dark colours, print styles, the table sorter.
#include "report/html_page.hpp"

#include "report/svg_chart.hpp"

namespace podfit::report {

namespace {

constexpr const char* kStyle = R"(
:root{--fg:#1b1f24;--bg:#fff;--muted:#5b6470;--grid:#d8dde3;--usage:#7a8793;--req:#1f6feb;
--lim:#cf222e;--cur:#8c959f;--stat:#9a6700;--add:#e6ffec;--del:#ffebe9;--row:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;
--grid:#30363d;--usage:#8b98a5;--req:#58a6ff;--lim:#ff7b72;--cur:#6e7681;--stat:#d29922;
--add:#12361f;--del:#3d1618;--row:#161b22}}
body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:2em;
max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-top:1px solid var(--grid);
padding-top:1em}.muted{color:var(--muted)}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:3px 8px;text-align:right;
border-bottom:1px solid var(--grid)}th:first-child,td:first-child{text-align:left}
tbody tr:nth-child(even){background:var(--row)}th[data-sort]{cursor:pointer}
.charts{display:flex;flex-wrap:wrap;gap:8px}svg.chart{max-width:100%;height:auto}
svg text{fill:var(--fg);font-size:10px}svg .tick-y{text-anchor:end}svg .end{text-anchor:end}
svg .chart-title{font-weight:600;font-size:11px}svg .grid{stroke:var(--grid)}
svg .usage{stroke:var(--usage);stroke-width:1;fill:none;shape-rendering:crispEdges}
svg .hline line{stroke-width:1.5}svg .leader{stroke:var(--grid);fill:none}
svg .current line{stroke:var(--cur);stroke-dasharray:5 3}svg .request line{stroke:var(--req)}
svg .limit line{stroke:var(--lim)}svg .stat line{stroke:var(--stat);stroke-dasharray:1 3}
svg .over{fill:var(--lim)}svg .mark.oom{fill:var(--lim)}svg .mark.restart{fill:var(--stat)}
svg .point circle{fill:var(--req)}svg .axis-label{text-anchor:middle}
pre.diff{background:var(--row);padding:.6em;overflow-x:auto;font-size:12px}
pre.diff .add{background:var(--add)}pre.diff .del{background:var(--del)}
ul.why{margin:.3em 0 .6em;padding-left:1.3em}
@media print{body{margin:0;max-width:none}h2{break-before:auto;break-after:avoid}
section{break-inside:avoid}th[data-sort]{cursor:auto}}
)";

// Sorts a table by a column's data-sort values on a click of its header; without
// script the table keeps the report's order.
constexpr const char* kScript = R"(
document.querySelectorAll('th[data-sort]').forEach(function(th){th.addEventListener('click',
function(){var table=th.closest('table'),body=table.tBodies[0],i=th.cellIndex,
up=th.dataset.dir!=='asc';th.dataset.dir=up?'asc':'desc';
var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,b){
var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v,nx=parseFloat(x),ny=parseFloat(y);
var c=(isNaN(nx)||isNaN(ny))?String(x).localeCompare(String(y)):nx-ny;return up?c:-c;});
rows.forEach(function(r){body.appendChild(r);});});});
)";

}  // namespace

void write_html_head(std::ostream& out, const std::string& title) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      << "<meta name=\"color-scheme\" content=\"light dark\">"
      << "<title>" << escape_html(title) << "</title><style>" << kStyle << "</style></head>\n"
      << "<body>\n";
}

void write_html_foot(std::ostream& out) {
  out << "<script>" << kScript << "</script>\n</body></html>\n";
}

}  // namespace podfit::report

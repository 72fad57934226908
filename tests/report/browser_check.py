#!/usr/bin/python3
"""Loads a podfit HTML report in headless Chromium (through ChromeDriver's W3C WebDriver
API, with the Python standard library only) and checks it from the DOM:

  - the report has EXPECTED container sections, each with a CPU and a memory chart whose
    usage envelope is drawn inside the plot;
  - on every chart, the y axis is linear in its tick labels, and every labelled line
    (requests, limits, percentiles) sits at the y its label's value has on that scale,
    recomputed here from the tick labels' text;
  - no console errors, and no request leaves the file;
  - the sortable table sorts;
  - a screenshot is not blank (decoded here: enough pixels off the background colour).

usage: browser_check.py REPORT.html EXPECTED_SECTIONS [--screenshot OUT.png] [--backtest]
Starts chromedriver on a free 127.0.0.1 port and stops it."""
import argparse
import base64
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
UNITS = {"": 1, "m": 1e-3, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def quantity(text):
    match = re.fullmatch(r"([0-9.]+(?:e[-+]?[0-9]+)?)(m|Ki|Mi|Gi)?", text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2) or ""]


class Driver:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                if self.call("GET", "/status")["value"]["ready"]:
                    break
            except OSError:
                time.sleep(0.1)
        options = {"binary": CHROMIUM,
                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--window-size=1300,1800",
                            "--force-color-profile=srgb"]}
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": options,
                                                 "goog:loggingPrefs": {"browser": "ALL"}}}}
        self.session = self.call("POST", "/session", caps)["value"]["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def session_call(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)["value"]

    def script(self, source, *args):
        return self.session_call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)


COLLECT = """
const charts = [];
for (const svg of document.querySelectorAll('svg.chart:not(.scatter)')) {
  const grid = [...svg.querySelectorAll('line.grid')].map(l => l.y1.baseVal.value);
  const ticks = [...svg.querySelectorAll('text.tick-y')].map(t => t.textContent);
  const lines = [...svg.querySelectorAll('g.hline')].map(g => ({
      label: g.querySelector('text').textContent,
      y: g.querySelector('line').y1.baseVal.value}));
  const usage = svg.querySelector('path.usage');
  const box = usage && usage.getAttribute('d') ? usage.getBBox() : null;
  charts.push({title: svg.querySelector('title').textContent, grid, ticks, lines,
               usage: box && {x: box.x, y: box.y, width: box.width, height: box.height}});
}
return {
  sections: document.querySelectorAll('section.container').length,
  chartsPerSection: [...document.querySelectorAll('section.container')].map(
      s => s.querySelectorAll('svg.chart').length),
  scatters: document.querySelectorAll('svg.scatter g.point').length,
  charts,
  resources: performance.getEntriesByType('resource').map(e => e.name),
};
"""


def check_chart(chart, problems):
    values = [quantity(t) for t in chart["ticks"]]
    ys = chart["grid"]
    if len(values) < 2 or len(values) != len(ys):
        problems.append(f"{chart['title']}: {len(values)} tick labels for {len(ys)} grid lines")
        return
    slope = (ys[-1] - ys[0]) / (values[-1] - values[0])
    def y_of(value):
        return ys[0] + slope * (value - values[0])
    for value, y in zip(values, ys):
        if abs(y_of(value) - y) > 0.05:
            problems.append(f"{chart['title']}: tick {value} at y {y}, not on a linear axis")
    for line in chart["lines"]:
        text = line["label"].split()[-1]
        value = quantity(text)
        digits = len(re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0")) or 1
        rounding = value * (0.5 * 10 ** (-digits + 1)) if "." in text or digits >= 3 else 0
        tolerance = abs(slope) * rounding + 0.02
        if abs(y_of(value) - line["y"]) > tolerance:
            problems.append(f"{chart['title']}: line '{line['label']}' at y {line['y']:.2f}, its "
                            f"value is at y {y_of(value):.2f} on the chart's scale")
    if chart["usage"] is not None:
        top, bottom = min(ys), max(ys)
        box = chart["usage"]
        if box["y"] < top - 1 or box["y"] + box["height"] > bottom + 1 or box["width"] <= 0:
            problems.append(f"{chart['title']}: usage drawn outside the plot {box}")


def png_pixels(data):
    """Decodes an 8-bit RGB or RGBA, non-interlaced PNG: (width, height, rows of bytes, bpp)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def check_screenshot(png, problems):
    width, height, rows, bpp = png_pixels(png)
    background = rows[0][:3]
    off, colours = 0, set()
    for row in rows[::4]:
        for x in range(0, width * bpp, bpp * 4):
            pixel = row[x:x + 3]
            colours.add(pixel)
            off += pixel != background
    share = off / (len(rows[::4]) * len(range(0, width * bpp, bpp * 4)))
    if share < 0.01 or len(colours) < 8:
        problems.append(f"screenshot looks blank: {100 * share:.2f}% of pixels off the "
                        f"background, {len(colours)} colours")
    return share, len(colours)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("expected", type=int)
    parser.add_argument("--screenshot")
    parser.add_argument("--backtest", action="store_true")
    args = parser.parse_args()
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            print(f"{tool} is missing: run scripts/setup.sh test")
            return 2
    driver = Driver()
    problems = []
    try:
        started = time.time()
        driver.session_call("POST", "/url", {"url": "file://" + os.path.abspath(args.report)})
        loaded = time.time() - started
        found = driver.script(COLLECT)
        if found["sections"] != args.expected:
            problems.append(f"{found['sections']} container sections, expected {args.expected}")
        if any(count != 2 for count in found["chartsPerSection"]):
            problems.append(f"charts per section: {found['chartsPerSection']}")
        if args.backtest and found["scatters"] == 0:
            problems.append("no reserve-against-risk points")
        for chart in found["charts"]:
            check_chart(chart, problems)
        if found["resources"]:
            problems.append(f"requests left the file: {found['resources']}")
        logs = driver.session_call("POST", "/se/log", {"type": "browser"})
        for entry in logs:
            if entry.get("level") in ("SEVERE", "WARNING"):
                problems.append(f"console: {entry.get('message')}")
        if not args.backtest:
            order = driver.script("""
              const th = document.querySelectorAll('table.containers th')[2]; th.click();
              return [...document.querySelectorAll('table.containers tbody tr')].map(
                  r => parseFloat(r.cells[2].dataset.v));""")
            if order != sorted(order):
                problems.append(f"sorting by change gave {order}")
        png = base64.b64decode(driver.session_call("GET", "/screenshot"))
        share, colours = check_screenshot(png, problems)
        if args.screenshot:
            with open(args.screenshot, "wb") as out:
                out.write(png)
        lines = sum(len(c["lines"]) for c in found["charts"])
        print(f"{found['sections']} sections, {len(found['charts'])} charts, {lines} lines checked; "
              f"loaded in {loaded:.2f} s; screenshot {100 * share:.1f}% drawn, {colours} colours")
    finally:
        driver.close()
    for problem in problems:
        print("FAIL", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

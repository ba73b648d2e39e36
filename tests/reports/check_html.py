#!/usr/bin/env python3
"""report.html in a real browser. render_report (html) writes the page of a report; headless Chromium loads it
(the page's inline script counts, for every plot, the marks it drew with a non-empty box into
data-marks and those outside the plot's frame into data-outside) and dumps the DOM. This script checks
the dump against what the report says the page must show:

  - one Δ-per-language plot per section with comparisons, one trade-off plot per section whose high and
    low groups have languages, one dev-curve plot per section with a non-empty curve;
  - each plot's mark count: a circle per (method, language) in the Δ plot, a circle per method (+ the
    front's polyline) in the trade-off plot, a polyline and a circle per curve point in the dev plot;
  - no mark outside its plot; the Pareto front named under the trade-off plot is the one computed here;
  - one stage heatmap (a table) per dataset × imbalance × method of the report's continual stages;
  - the page is self-contained: no http(s) URL, no src= attribute, no href but in-page anchors, no CSS url().

It renders the example report and a one-method cut of it (Δ plot skipped, with the reason said).
Chromium is required: without it the test fails (install it with scripts/install-debian-deps.sh
deps/debian-test.txt).

Usage: check_html.py RENDER_HTML REPORT.json WORK_DIR
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    sys.exit("report_html: FAIL: " + msg)


def chromium():
    exe = os.environ.get("CHROMIUM", "chromium")
    path = shutil.which(exe)
    if not path:
        fail(f"'{exe}' (headless Chromium) is not installed; run "
             "scripts/install-debian-deps.sh deps/debian-test.txt")
    return path


def dump_dom(browser, page, work):
    with tempfile.TemporaryDirectory(dir=work, prefix="chromium-profile-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", f"--user-data-dir={profile}", "--dump-dom", "file://" + os.path.abspath(page)]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        except subprocess.TimeoutExpired:
            fail(f"chromium did not finish within 180 s on {page}")
    if r.returncode != 0 or "<body" not in r.stdout:
        fail(f"chromium exit {r.returncode} on {page}:\n{r.stderr[-3000:]}")
    return r.stdout


class Dom(html.parser.HTMLParser):
    """The plots (with their section's heading), the front's method names, and the body's attributes."""

    def __init__(self):
        super().__init__()
        self.section, self.in_h2, self.in_front = None, False, False
        self.plots, self.front, self.body, self.hrefs = [], {}, {}, []
        self.src = 0
        self.heatmaps = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "src" in a:
            self.src += 1
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag == "body":
            self.body = a
        elif tag == "h2":
            self.in_h2, self.section = True, ""
        elif tag == "svg" and "plot" in (a.get("class") or "").split():
            self.plots.append((self.section, a))
        elif tag == "table" and a.get("class") == "heatmap":
            self.heatmaps += 1
        elif tag == "span" and a.get("class") == "front-method":
            self.in_front = True
            self.front.setdefault(self.section, []).append("")

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
        elif tag == "span":
            self.in_front = False

    def handle_data(self, data):
        if self.in_h2:
            self.section += data
        if self.in_front:
            self.front[self.section][-1] += data


def heading(dataset, imbalance, stage):
    return f"{dataset} · {imbalance}" + (f" · stage {stage}" if stage > 0 else "")


def expected(report):
    """heading -> {kind: number of marks} and heading -> Pareto front (method names, by high BLEU)."""
    baseline = report["settings"]["baseline"]
    sections, fronts = {}, {}
    key = lambda e: heading(e["dataset"], e["imbalance"], e["stage"])
    sizes = {}
    for s in report["summary"]:
        for code, l in s["languages"].items():
            sizes.setdefault(key(s), {})[code] = l["natural_pairs"]
    for c in report["comparisons"]:
        if baseline is None:
            continue
        n = sum(1 for code in c["languages"] if sizes.get(key(c), {}).get(code, 0) > 0)
        sections.setdefault(key(c), {}).setdefault("delta", 0)
        sections[key(c)]["delta"] += n
    points = {}
    for s in report["summary"]:
        g = s["groups"]
        if g["high"]["languages"] > 0 and g["low"]["languages"] > 0:
            points.setdefault(key(s), []).append((s["method"], g["high"]["bleu_mean"], g["low"]["bleu_mean"]))
    for k, pts in points.items():
        front = [p for p in pts if not any(q[1] >= p[1] and q[2] >= p[2] and (q[1] > p[1] or q[2] > p[2]) for q in pts)]
        front.sort(key=lambda p: p[1])
        fronts[k] = [p[0] for p in front]
        sections.setdefault(k, {})["pareto"] = len(pts) + (1 if len(front) > 1 else 0)
    for c in report["convergence"]:
        n = len(c["curve"]["steps"])
        if n:
            sections.setdefault(key(c), {}).setdefault("curves", 0)
            sections[key(c)]["curves"] += n + (1 if n > 1 else 0)
    return sections, fronts


def self_contained(text, dom, page):
    for pattern, what in ((r"https?://", "an http(s) URL"), (r"url\s*\(", "a CSS url()"), (r"@import", "a CSS @import"),
                          (r"<(link|img|iframe|object|embed)\b", "an element that loads a resource")):
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            fail(f"{page} is not self-contained: {what} at offset {m.start()}: {text[max(0, m.start() - 60):m.start() + 60]!r}")
    if dom.src:
        fail(f"{page}: {dom.src} element(s) with a src= attribute")
    external = [h for h in dom.hrefs if not h.startswith("#")]
    if external:
        fail(f"{page}: links that leave the page: {external[:5]}")


def check(render, report, work, name, browser):
    report_path = os.path.join(work, name + ".json")
    with open(report_path, "w") as f:
        json.dump(report, f)
    page = os.path.join(work, name + ".html")
    r = subprocess.run([render, "html", report_path, page], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"render_report html {report_path}: exit {r.returncode}: {r.stderr}")
    text = open(page, encoding="utf-8").read()
    src = Dom()
    src.feed(text)
    self_contained(text, src, page)

    dom_text = dump_dom(browser, page, work)
    with open(os.path.join(work, name + ".dom.html"), "w", encoding="utf-8") as f:
        f.write(dom_text)
    dom = Dom()
    dom.feed(dom_text)
    want, fronts = expected(report)
    if dom.body.get("data-plots") != str(len(dom.plots)):
        fail(f"{name}: the page's check script did not run (body data-plots={dom.body.get('data-plots')!r}, "
             f"{len(dom.plots)} plots in the DOM)")
    got = {}
    for section, a in dom.plots:
        kind = a.get("data-plot")
        if kind in got.get(section, {}):
            fail(f"{name}: two '{kind}' plots in section {section!r}")
        if a.get("data-marks") is None or a.get("data-outside") is None:
            fail(f"{name}: plot {kind} of {section!r} was not measured: {a}")
        marks, outside = int(a["data-marks"]), int(a["data-outside"])
        if marks <= 0:
            fail(f"{name}: plot {kind} of {section!r} drew nothing")
        if outside:
            fail(f"{name}: plot {kind} of {section!r}: {outside} mark(s) outside the plot")
        got.setdefault(section, {})[kind] = marks
    if got != want:
        fail(f"{name}: plots and their drawn marks, per section:\n  page:     {got}\n  expected: {want}")
    if dom.front != fronts:
        fail(f"{name}: Pareto fronts named on the page {dom.front} != computed {fronts}")
    heatmaps = len({(s["dataset"], s["imbalance"], s["method"]) for s in report.get("stages", [])})
    if dom.heatmaps != heatmaps:
        fail(f"{name}: {dom.heatmaps} stage heatmaps on the page, expected {heatmaps}")
    print(f"{name}: {len(dom.plots)} plots, marks per section {got}; fronts {fronts}")
    return text


def main(render, report_path, work):
    browser = chromium()
    os.makedirs(work, exist_ok=True)
    report = json.load(open(report_path))
    check(render, report, work, "example", browser)
    if len([s for s in report["summary"] if s["imbalance"] == "natural"]) < 2:
        fail("the example report should have several methods")
    if not report.get("stages"):
        fail("the example report should have continual stages")

    # One method only: no comparisons, so no Δ plot, and the page says why.
    keep = report["settings"]["baseline"]
    one = dict(report)
    for k in ("summary", "comparisons", "convergence", "cost", "cells", "stages"):
        one[k] = [e for e in report[k] if e["method"] == keep and k != "comparisons"]
    one["settings"] = dict(report["settings"], baseline=None)
    text = check(render, one, work, "one-method", browser)
    if "Plot 1 (Δ BLEU per language) is not drawn" not in text or "data-plot=\"delta\"" in text:
        fail("one-method: the Δ plot should be left out, with the reason given")
    print("report_html: OK")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])

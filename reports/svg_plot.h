// A small SVG plotter for report.html: axes with "nice" ticks (linear or log10), scatter marks,
// polylines, horizontal reference lines and a legend. The output is inline SVG for an HTML5 page
// (no namespace URL, nothing fetched); every text is escaped, and no coordinate is ever NaN (a point
// with a non-finite coordinate is left out). Data marks carry class "mark", so the page can count
// what it drew.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace longtail::reports::svg {

// Escapes & < > " ' for HTML text and attribute values.
std::string escape(std::string_view text);

// What an axis shows: the range [lo, hi] (data units; log scales take raw values > 0 and place them
// by log10) and its ticks.
struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  int decimals = 0;  // tick labels of a linear scale

  double fraction(double v) const;     // 0 at lo, 1 at hi
  std::string label(double tick) const;  // "2.5", "-1", "20k", "1M"
};

// Ticks at steps of 1, 2 or 5 × 10^k, about `target` of them, covering [lo, hi]; the range widens to
// the outer ticks. Equal bounds are padded and non-finite ones replaced, so the scale is never empty.
Scale linear_scale(double lo, double hi, int target = 5);
// log10 axis over [lo, hi] (both > 0, else a linear scale): ticks at 1, 2 and 5 × 10^k when the range
// spans under three decades, powers of ten otherwise; the range widens to the neighbouring ticks.
Scale log_scale(double lo, double hi);

struct Point {
  double x = 0, y = 0;
  bool filled = true;   // hollow: a ring in the series colour
  std::string tooltip;  // <title> of the mark
  std::string label;    // text drawn beside the point
};

struct Series {
  std::string colour;
  std::vector<Point> points;
  bool markers = true;  // circles at the points
  bool line = false;    // a polyline through the points, in their order
  double radius = 4;
  double dx = 0;           // horizontal shift of the markers in pixels (keeps series at equal x apart)
  std::string line_title;  // <title> of the polyline
};

struct RefLine {  // a horizontal line across the plot
  double y = 0;
  std::string label;  // drawn above the line, at its right end (or left, with label_left)
  bool label_left = false;
  bool dashed = false;
  std::string colour = "#555";
};

struct LegendEntry {
  enum Shape { Dot, Ring, Line, Dash };
  std::string text;
  std::string colour;
  Shape shape = Dot;
};

struct Plot {
  std::string kind;   // the <svg>'s data-plot attribute
  std::string title;  // its accessible name
  std::string x_label, y_label;
  Scale x, y;
  std::vector<Series> series;
  std::vector<RefLine> refs;
  std::vector<LegendEntry> legend;
  int width = 660, height = 360;  // the height grows to fit a long legend
};

// min and max of the finite values (lo > hi when there is none).
struct Extent {
  double lo = 1, hi = 0;
  void add(double v);
  bool empty() const { return lo > hi; }
};

std::string render(const Plot& plot);

}  // namespace longtail::reports::svg

// sacreBLEU 2.6.0's report formatting, byte for byte: `Score.format` (text line and JSON object),
// `print_single_results` (alignment of several metric lines), `print_results_table` (multi-system
// tables and JSON, paired-test tables) and the subset of `tabulate` 0.10 those use
// (`fancy_grid` / `latex_booktabs`, headers from keys, first column right-aligned, the others
// centred, numeric cells re-formatted with `floatfmt`). Python's `repr(float)` and `json.dumps`
// string escaping are here too. Widths are Python `len()` (code points): the reference sacreBLEU
// runs without `wcwidth`, so tabulate does not measure East Asian wide characters either.
//
//   ScoreSummary s{"BLEU", 20.80, "54.4/26.6/...", -1, -1};
//   format_score(s, 1, false, sig, true)     -> the JSON object sacreBLEU prints for one metric
//   format_single_results({line1, line2}, false)  -> "  BLEU|... = 20.8 ...\nchrF2|... = 52.0\n"
//   tabulate({"System", "BLEU"}, {{"a", "b"}, {"20.8", "27.9"}}, {TableStyle::kFancyGrid, 1, true})
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eval/scorer/significance.h"

namespace longtail::eval {

// ---- Python scalars and JSON ----

// f"{x:.{digits}f}" for any number of digits (glibc printf rounds as Python does).
std::string python_fixed(double x, int digits);
// repr(x) / json.dumps(x): the shortest round-trip digits, exponent form when the decimal
// exponent is < -4 or >= 16 ("1e-05", "1e+16"), ".0" on integral values, "NaN"/"Infinity".
std::string python_float_repr(double x);
// float(text) for the strings f"{x:.Nf}" produces.
double parse_python_float(const std::string& text);
// json.dumps(str): quotes, backslash escapes for '"', '\\', \b \f \n \r \t, \u00XX for other
// control characters; with ensure_ascii every non-ASCII code point as \uXXXX (surrogate pairs
// above the BMP). `utf8` must be valid UTF-8.
std::string json_quote(std::string_view utf8, bool ensure_ascii);

// ---- one score ----

// What Score.format needs from a metric's score.
struct ScoreSummary {
  std::string name;     // BLEU, chrF2, chrF2++, TER
  double score = 0.0;
  std::string verbose;  // BLEU's "54.4/26.6/14.9/8.7 (BP = ...)"; empty for chrF and TER
  double mean = -1.0;   // Score._mean: the bootstrap mean, -1 when no CI was estimated
  double ci = -1.0;     // Score._ci
};

// Score.format(width, score_only, signature, is_json). score_only wins over is_json (a bare
// number); the "(μ = m ± c)" part appears only when mean > 0; JSON is `json.dumps(d, indent=1,
// ensure_ascii=False)` with the signature's key:value pairs appended. Throws
// std::invalid_argument when is_json and a signature field is not one key:value pair (Python
// raises ValueError there).
std::string format_score(const ScoreSummary& score, int width, bool score_only, const std::string& signature,
                         bool is_json);

// print_single_results: JSON objects (or bare numbers) wrapped in "[\n...,\n...\n]" when there are
// several; text lines right-aligned on their first '=' (lines without one are printed first, and
// the aligned ones are paired with the first results, as sacreBLEU's zip does). Ends with '\n'.
std::string format_single_results(const std::vector<std::string>& results, bool is_json);

// ---- tabulate ----

enum class TableStyle { kFancyGrid, kLatexBooktabs };

struct TableOptions {
  TableStyle style = TableStyle::kFancyGrid;
  int float_digits = 1;  // floatfmt=f".{width}f"
  // tabulate's has_invisible: true whenever sacreBLEU's colours are on (it colours the headers,
  // and colorama strips the codes only when writing). It changes how numbers with thousands
  // separators are re-formatted.
  bool has_invisible = true;
};

// tabulate(dict(zip(headers, columns)), headers='keys', tablefmt=..., colalign=('right',),
// stralign='center', numalign='center', floatfmt=...). Columns are the dict's values (all the
// same length); the result has no trailing newline.
std::string tabulate(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& columns,
                     const TableOptions& options);

// ---- multi-system reports ----

// One metric's column: preformatted cells (score.format(width, True)) or paired-test results.
struct MetricColumn {
  std::string name;                 // the score name, also the JSON key
  std::vector<std::string> cells;   // plain multi-system mode
  std::vector<PairedResult> paired; // paired mode (baseline first)
  std::string signature;            // formatted (long or short, as requested)
};

enum class ReportFormat { kJson, kText, kLatex };

struct ResultsTableOptions {
  ReportFormat format = ReportFormat::kJson;
  int width = 1;
  std::optional<PairedTestType> paired;  // set in paired mode
  long paired_n_as_given = 0;            // --paired-bs-n / --paired-ar-n as typed (the header quotes it)
  bool colors = true;                    // sacreBLEU's Color.ENABLE_COLORS (NO_COLOR / --no-color turn it off)
};

// print_results_table: JSON (indent=4, ASCII-escaped) or the table, the paired-test explanation
// and the metric signatures. Ends with '\n'.
std::string format_results_table(const std::vector<std::string>& systems, const std::vector<MetricColumn>& metrics,
                                 const ResultsTableOptions& options);

}  // namespace longtail::eval

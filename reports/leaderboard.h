// Leaderboards: the tables a paper pastes, from a report v2 (docs/report.schema.json). For each
// dataset × imbalance (× stage when > 0) two tables: BLEU per language (methods × languages, the
// languages by natural training size, largest first) and per resource group (All / High / Low
// and wins/ties/losses against the baseline). A continual run's report (`stages`) adds, per dataset ×
// imbalance, one table of its methods' stage transitions: the share of languages improved, the
// forgetting and the backward transfer. docs/reports.md describes them.
#pragma once

#include <boost/json.hpp>
#include <string>

namespace longtail::reports {

// GitHub-flavoured Markdown (leaderboard.md). Values are BLEU mean ± sample std over seeds with
// `precision` decimals (the mean alone with one seed); the best per column is bold (every method
// whose printed value equals the best printed value), † marks a significant difference to the
// baseline. Throws ConfigError naming the JSON path ("report.json: $.summary[2].languages.fr")
// when the report lacks what the tables need.
std::string leaderboard_markdown(const boost::json::object& report, int precision = 1);

// The same tables as a LaTeX fragment (leaderboard.tex): booktabs `table` environments, every label
// escaped, headed by a comment naming the packages it needs (booktabs, graphicx).
std::string leaderboard_latex(const boost::json::object& report, int precision = 1);

// `body` (a leaderboard_latex fragment) wrapped in a minimal article document that pdflatex
// compiles with texlive-latex-base and texlive-latex-recommended alone.
std::string latex_document(const std::string& body);

// LaTeX text-mode escape of a label: _ % & # $ { } ~ ^ \ | < > (and newlines as spaces).
std::string latex_escape(const std::string& text);

}  // namespace longtail::reports

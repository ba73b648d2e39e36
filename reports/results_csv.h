// results.csv: every score of a report v2's cells as one tidy row (docs/reports.md).
#pragma once

#include <boost/json.hpp>
#include <string>

namespace longtail::reports {

// Header `dataset,imbalance,method,stage,seed,language,group,train_pairs,natural_pairs,split,metric,value`,
// then per cell (report order) × language (the cell's order): bleu and chrf on every split the cell
// scored (`splits`; settings.split for a report without it), and
// dev_loss on `dev` when not null. Failed cells have no scores and no rows. Values are printed with
// the shortest representation that reads back to the same double; fields holding a comma, quote,
// CR or LF are quoted as RFC 4180 says (quotes doubled). Lines end with LF. Throws ConfigError
// naming the JSON path when a cell lacks a needed key.
std::string results_csv(const boost::json::object& report);

// One CSV field, quoted when RFC 4180 requires it.
std::string csv_field(const std::string& text);

}  // namespace longtail::reports

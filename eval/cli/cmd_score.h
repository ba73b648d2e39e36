// `longtail score`: sacreBLEU 2.6.0's command line (`sacrebleu REF... [-i HYP...] [options]`)
// with byte-identical standard output and the same exit statuses; see docs/score-cli.md.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace longtail::eval::cli {

// The environment variables sacreBLEU's CLI reads.
struct ScoreEnvironment {
  std::optional<std::string> sacrebleu_seed;    // SACREBLEU_SEED (default 12345; "none": OS entropy)
  std::optional<std::string> sacrebleu_format;  // SACREBLEU_FORMAT (overrides -f when json/text/latex)
  std::optional<std::string> no_color;          // NO_COLOR (non-empty: no colours)
  static ScoreEnvironment from_process();
};

// Runs `longtail score ARGS...` (ARGS without the program and command names). Standard input is
// read only when no -i/--input is given. Output reaches `out` only when the run succeeds;
// messages go to `err`. Returns the exit status: 0, 1 (errors), 2 (usage errors), 17 (field count
// mismatch in tab-separated input), as sacreBLEU.
int run_score(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
              const ScoreEnvironment& env);

}  // namespace longtail::eval::cli

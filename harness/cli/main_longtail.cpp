// longtail: the driver. Runs suites (grids of datasets × imbalance profiles × methods × seeds),
// builds corpora, aggregates reports. It never loads LibTorch itself (longtail-cell, run as a child
// process); it links SentencePiece and MeCab only for the scorer's external tokenizers.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "harness/cli/cmd_check.h"
#include "harness/cli/cmd_data.h"
#include "harness/cli/cmd_store.h"
#include "harness/cli/commands.h"
#include "harness/common/options.h"
#include "harness/common/version.h"
#ifdef LONGTAIL_WITH_SCORER_EXT
#include "eval/scorer/tokenizer_ext.h"
#endif

int main(int argc, char** argv) {
#ifdef LONGTAIL_WITH_SCORER_EXT
  longtail::eval::register_external_tokenizers();  // ja-mecab, ko-mecab, spm, flores101/200, spBLEU-1K
#endif
  CLI::App app{"longtail: multilingual training under data imbalance — balancing methods side by side, "
               "per-language BLEU reports"};
  app.set_version_flag("--version", "longtail " + longtail::longtail_version() + " (" + longtail::git_commit() + ")");
  app.require_subcommand(1);
  longtail::cli::add_run_command(app);
  longtail::cli::add_report_command(app);
  longtail::cli::add_methods_command(app);
  longtail::cli::add_score_command(app);
  longtail::data::add_data_command(app);
  longtail::cli::add_store_command(app);
  longtail::cli::add_check_command(app);
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // the command reported its own failure
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 2;
  }
  return 0;
}

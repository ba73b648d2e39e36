// Internal to the scorer: `13a` without its final ' '.join(text.split()), for metrics that split
// the result into words anyway (BLEU), so that the join's copy is skipped.
#pragma once

#include <string>
#include <string_view>

namespace longtail::eval::detail {

// Tokenizer13a().tokenize(line) before the join: the same words, separated by runs of whitespace.
// The result lives in `text`; both buffers are reused across calls.
std::string_view tokenize_13a_unjoined(std::string_view line, std::string& text, std::string& scratch);

}  // namespace longtail::eval::detail

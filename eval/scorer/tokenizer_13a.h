// Internal to the scorer: `13a` without its final ' '.join(text.split()), for metrics that split
// the result into words anyway (BLEU), so that the join's copy is skipped.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace longtail::eval::detail {

// The two buffers the regex passes alternate between; they only grow, and are not zero-filled.
struct Tokenize13aBuffers {
  std::unique_ptr<char[]> text, scratch;
  std::size_t text_capacity = 0, scratch_capacity = 0;
};

// Tokenizer13a().tokenize(line) before the join: the same words, separated by runs of whitespace.
// The result lives in `buffers` until their next use.
std::string_view tokenize_13a_unjoined(std::string_view line, Tokenize13aBuffers& buffers);

}  // namespace longtail::eval::detail

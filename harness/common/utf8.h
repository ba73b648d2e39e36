// UTF-8 well-formedness (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), for
// the files longtail reads: JSON (suites, configs, results) and imported corpora.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace longtail {

// Offset of the first byte that does not start a well-formed sequence (s.size() when all do).
std::size_t first_invalid_utf8(std::string_view s);

// `s` with each byte that does not start a well-formed sequence replaced by U+FFFD; *replaced
// (when given) gets the number of replacements.
std::string replace_invalid_utf8(std::string_view s, std::size_t* replaced = nullptr);

}  // namespace longtail

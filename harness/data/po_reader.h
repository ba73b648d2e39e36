// GNU gettext .po (text) catalogs, read into the same Catalog as .mo files (mo_reader.h).
//
// Understands msgctxt, msgid, msgid_plural, msgstr and msgstr[n], strings continued over several
// lines, C escapes (\n \t \" \\ \ooo \xHH ...), "#, fuzzy" entries (skipped: their translation is
// a guess the translator has not confirmed) and "#~" obsolete entries (skipped). The header's
// charset is honoured. Syntax errors throw std::runtime_error as "file:line: what".
#pragma once

#include <string>
#include <string_view>

#include "harness/data/mo_reader.h"

namespace longtail::data {

Catalog read_po(const std::string& path);
// The same from text already in memory; `name` is used in error messages.
Catalog parse_po(std::string_view text, const std::string& name);

}  // namespace longtail::data

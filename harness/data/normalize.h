// From a raw catalog pair (msgid, msgstr) to a training pair, or a reason to drop it.
// The rules are documented, with examples, in docs/corpora.md; kNormalizeRulesVersion changes
// whenever their output can change, and is part of every corpus cache key and manifest.
//
// One side (normalize_segment), in this order:
//   1. a trailing CJK-style accelerator "(_F)" / "(&F)" (before "...", "…" or ":") is removed;
//   2. printf (%s %d %1$s %-5.2f %lld %<PRId64>), Python (%(name)s), Qt (%1) and brace
//      ({0} {name} {0:>4} ${var}) placeholders become "{}"; "%%" becomes a literal "%";
//   3. Pango/HTML formatting tags (<b> </i> <span ...> <a href=...> <br/> ...) are removed;
//      other <words> (e.g. "<file>" in a usage line) stay;
//   4. XML entities (&amp; &lt; &gt; &quot; &apos; &nbsp; &#N; &#xH;) are decoded; "&&" becomes
//      "&"; accelerator markers before a letter are removed: every "&" (Qt), a single "_" (GTK)
//      and a single "~" (LibreOffice) — "_" and "~" only when the string has exactly one such
//      marker and it is not inside an ALL_CAPS identifier (LC_ALL);
//   5. control characters, tabs, newlines and no-break spaces become spaces; runs of spaces
//      collapse to one; the ends are trimmed.
// The pair (normalize_pair) is then dropped when a side is empty, too long, mostly placeholders,
// when the two sides carry different numbers of placeholders, or when they are identical
// (ignoring ASCII case).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/data/corpus.h"

namespace longtail::data {

constexpr int kNormalizeRulesVersion = 1;
constexpr const char* kPlaceholderToken = "{}";

struct NormalizeOptions {
  int64_t max_chars = 400;  // a pair is dropped when either side has more code points
};

enum class DropReason {
  None,                 // kept
  BadEncoding,          // a side is not valid UTF-8
  Empty,                // the English side is empty after normalisation
  Untranslated,         // the translation is empty
  TooLong,              // a side exceeds max_chars
  MostlyPlaceholders,   // English < 2 letters, translation < 1, or more placeholders than words
  PlaceholderMismatch,  // the sides carry different numbers of placeholders
  Identical,            // the translation equals the English (ignoring ASCII case)
};
const char* drop_reason_name(DropReason r);

// Steps 1-5 above on one side.
std::string normalize_segment(std::string_view s);

// Normalises both sides into `out` and returns DropReason::None, or returns why the pair is
// dropped (`out` is then unspecified).
DropReason normalize_pair(std::string_view en, std::string_view xx, const NormalizeOptions& opt, Pair& out);

// Number of code points (the unit of max_chars).
int64_t utf8_length(std::string_view s);

// Removes repeated (en, xx) pairs, keeping each first occurrence in input order. Returns how
// many were removed.
int64_t dedup_pairs(std::vector<Pair>& pairs);

// Counts of what happened to the raw pairs of one language (or a whole build).
struct NormalizeStats {
  int64_t seen = 0, kept = 0, duplicates = 0;
  std::map<std::string, int64_t> dropped;  // by drop_reason_name
  void count(DropReason r);
  void merge(const NormalizeStats& other);
};

}  // namespace longtail::data

// GNU gettext catalogs (.mo binary and, in po_reader.h, .po text) read into one in-memory form.
//
// A catalog entry becomes one or two (msgid, msgstr) pairs: a plain entry gives one; a plural
// entry gives (msgid, msgstr[0]) and, when the catalog has a second form, (msgid_plural,
// msgstr[1]). The header entry (empty msgid) is not an entry: it only supplies the charset.
// Strings are converted to UTF-8 from the charset the header declares; a string that does not
// convert (or, in a UTF-8 catalog, is not valid UTF-8) is dropped and counted, never passed on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace longtail::data {

struct CatalogEntry {
  std::string context;  // msgctxt, empty when the entry has none
  std::string msgid;    // the English source
  std::string msgstr;   // the translation (UTF-8); empty when untranslated
  bool plural = false;  // true for both pairs a plural entry yields
};

struct Catalog {
  std::string path;
  std::string charset = "UTF-8";  // as declared by the header; UTF-8 when it declares none
  std::vector<CatalogEntry> entries;
  int64_t dropped_bad_encoding = 0;  // strings that were not valid in the declared charset
  int64_t skipped_fuzzy = 0;         // .po only: entries flagged "#, fuzzy"
};

// Reads a .mo file. Both byte orders; major revisions 0 and 1, and with minor revision 1 the
// system-dependent strings too (returned as the .po has them: "%<PRIu64>", "%Id"). Throws
// std::runtime_error naming the file on a bad magic, an unsupported revision, or any table,
// offset or length that points past the end of the file.
Catalog read_mo(const std::string& path);
// The same from bytes already in memory; `name` is used in error messages.
Catalog parse_mo(std::string_view bytes, const std::string& name);

// One raw .mo message for encode_mo: key = [context "\x04"] msgid ["\0" msgid_plural],
// value = msgstr or the plural forms joined by "\0". The header is the message with an empty key.
struct MoMessage {
  std::string key, value;
};
// Encodes a revision-0 .mo file (no hash table) in either byte order; messages are sorted by key
// as msgfmt does. Used by tests, benchmarks and tools that synthesise catalogs.
std::string encode_mo(std::vector<MoMessage> messages, bool big_endian = false);

// Charset named by a catalog header ("Content-Type: text/plain; charset=ISO-8859-1"); "UTF-8"
// when the header names none or names the gettext placeholder "CHARSET".
std::string header_charset(std::string_view header);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Converts strings of one charset to UTF-8 (glibc iconv: always present, so the core library
// needs no ICU). UTF-8 (any spelling) is only validated, not converted.
class Utf8Converter {
 public:
  // Throws std::runtime_error when the charset is unknown.
  explicit Utf8Converter(const std::string& charset);
  ~Utf8Converter();
  Utf8Converter(const Utf8Converter&) = delete;
  Utf8Converter& operator=(const Utf8Converter&) = delete;
  // False when `in` is not valid in the charset (out is then unspecified).
  bool convert(std::string_view in, std::string& out);

 private:
  void* iconv_ = nullptr;  // iconv_t; null for UTF-8 input
};

}  // namespace longtail::data

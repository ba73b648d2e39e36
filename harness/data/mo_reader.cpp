#include "harness/data/mo_reader.h"

#include <errno.h>
#include <fmt/format.h>
#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "harness/common/fs_util.h"

namespace longtail::data {
namespace {

constexpr uint32_t kMoMagic = 0x950412de;
constexpr uint32_t kMoMagicSwapped = 0xde120495;
constexpr size_t kMoHeaderSize = 28;  // magic, revision, N, O, T, hash size, hash offset
constexpr char kContextSeparator = '\x04';

uint32_t byte_swap(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

// Reads the 32-bit words of a .mo file in its own byte order, checking every access.
class MoWords {
 public:
  MoWords(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {
    if (bytes.size() < kMoHeaderSize)
      fail(fmt::format("truncated: {} bytes, shorter than the {}-byte header", bytes.size(), kMoHeaderSize));
    const uint32_t magic = raw_word(0);
    if (magic == kMoMagic) {
      swap_ = false;
    } else if (magic == kMoMagicSwapped) {
      swap_ = true;
    } else {
      fail(fmt::format("bad magic 0x{:08x} (expected 0x950412de in either byte order)", magic));
    }
  }

  uint32_t word(uint64_t offset) const {
    if (offset + 4 > bytes_.size())
      fail(fmt::format("truncated: a word at offset {} lies past the end of the file ({} bytes)", offset,
                       bytes_.size()));
    const uint32_t v = raw_word(offset);
    return swap_ ? byte_swap(v) : v;
  }

  // String `index` of the table at `table_offset` (pairs of length, offset).
  std::string_view string_at(uint64_t table_offset, uint32_t index, const char* table_name) const {
    const uint64_t entry = table_offset + uint64_t{index} * 8;
    const uint64_t length = word(entry);
    const uint64_t offset = word(entry + 4);
    // gettext stores a NUL after every string; a missing one means a cut or corrupt file.
    if (offset + length >= bytes_.size() || bytes_[offset + length] != '\0')
      fail(fmt::format("{} string {} (offset {}, length {}) runs past the end of the file ({} bytes) or "
                       "lacks its NUL terminator",
                       table_name, index, offset, length, bytes_.size()));
    return bytes_.substr(offset, length);
  }

  // `length` bytes at `offset`, for the pieces of system-dependent strings.
  std::string_view bytes_at(uint64_t offset, uint64_t length, const char* what) const {
    if (offset + length > bytes_.size())
      fail(fmt::format("{} (offset {}, length {}) runs past the end of the file ({} bytes)", what, offset, length,
                       bytes_.size()));
    return bytes_.substr(offset, length);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(fmt::format("{}: corrupt .mo file: {}", name_, what));
  }
  size_t size() const { return bytes_.size(); }

 private:
  uint32_t raw_word(uint64_t offset) const {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + offset);
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }

  std::string_view bytes_;
  const std::string& name_;
  bool swap_ = false;
};

std::vector<std::string_view> split_nul(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find('\0', start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string canonical_charset_name(const std::string& charset) {
  std::string out;
  for (char c : charset)
    if (c != '-' && c != '_') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// One msgid key split into its parts: "ctxt\x04singular\0plural".
struct MoKey {
  std::string_view context, singular, plural;
  bool has_plural = false;
};

MoKey split_key(std::string_view key) {
  MoKey k;
  const size_t sep = key.find(kContextSeparator);
  if (sep != std::string_view::npos) {
    k.context = key.substr(0, sep);
    key.remove_prefix(sep + 1);
  }
  const size_t nul = key.find('\0');
  k.singular = key.substr(0, nul);
  if (nul != std::string_view::npos) {
    k.plural = key.substr(nul + 1);
    k.has_plural = true;
  }
  return k;
}

// Appends the pair(s) of one catalog entry, converting every string; counts a failure instead.
void add_entry(Catalog& cat, Utf8Converter& conv, const MoKey& key, std::string_view value) {
  const std::vector<std::string_view> forms = split_nul(value);
  CatalogEntry singular, plural;
  singular.plural = plural.plural = key.has_plural;
  const bool ok = conv.convert(key.context, singular.context) && conv.convert(key.singular, singular.msgid) &&
                  conv.convert(forms[0], singular.msgstr) &&
                  (!key.has_plural || forms.size() < 2 ||
                   (conv.convert(key.plural, plural.msgid) && conv.convert(forms[1], plural.msgstr)));
  if (!ok) {
    ++cat.dropped_bad_encoding;
    return;
  }
  const bool has_second_pair = key.has_plural && forms.size() >= 2 && !key.plural.empty();
  if (has_second_pair) plural.context = singular.context;
  cat.entries.push_back(std::move(singular));
  if (has_second_pair) cat.entries.push_back(std::move(plural));
}

constexpr uint32_t kSegmentEnd = 0xffffffff;

std::string_view without_trailing_nul(std::string_view s) {
  if (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

// System-dependent string `index` of the table at `table`: static pieces interleaved with named
// segments. Inserting each segment's name ("<PRIu64>", or "I" for the locale-digits flag) gives
// back the string as written in the .po file ("%<PRIu64>", "%Id").
std::string sysdep_string(const MoWords& mo, uint64_t table, uint32_t index, const std::vector<std::string_view>& segments) {
  const uint64_t descriptor = mo.word(table + uint64_t{index} * 4);
  uint64_t data = mo.word(descriptor);
  std::string out;
  for (uint64_t at = descriptor + 4;; at += 8) {
    const uint32_t size = mo.word(at), ref = mo.word(at + 4);
    out += mo.bytes_at(data, size, "a system-dependent string piece");
    data += size;
    if (ref == kSegmentEnd) break;
    if (ref >= segments.size())
      mo.fail(fmt::format("system-dependent string {} refers to segment {} of {}", index, ref, segments.size()));
    out += segments[ref];
  }
  return std::string(without_trailing_nul(out));
}

// Revision x.1 files carry, besides the static table, strings whose format directives depend on
// the platform (%<PRId64>) or use the locale-digits flag (%Id, common in Persian and Arabic).
void add_sysdep_entries(const MoWords& mo, Catalog& cat, Utf8Converter& conv) {
  const uint32_t segment_count = mo.word(28), string_count = mo.word(36);
  const uint64_t segment_table = mo.word(32), originals = mo.word(40), translations = mo.word(44);
  std::vector<std::string_view> segments;
  for (uint32_t i = 0; i < segment_count; ++i) {
    const uint64_t entry = segment_table + uint64_t{i} * 8;
    segments.push_back(without_trailing_nul(mo.bytes_at(mo.word(entry + 4), mo.word(entry), "a segment name")));
  }
  for (uint32_t i = 0; i < string_count; ++i) {
    const std::string key = sysdep_string(mo, originals, i, segments);
    const std::string value = sysdep_string(mo, translations, i, segments);
    const MoKey parts = split_key(key);
    if (!parts.singular.empty()) add_entry(cat, conv, parts, value);
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // > U+10FFFF
    } else {
      return false;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

Utf8Converter::Utf8Converter(const std::string& charset) {
  const std::string canon = canonical_charset_name(charset);
  if (canon == "UTF8") return;
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1))
    throw std::runtime_error(fmt::format("unknown charset \"{}\" (iconv cannot convert it to UTF-8)", charset));
  iconv_ = cd;
}

Utf8Converter::~Utf8Converter() {
  if (iconv_) iconv_close(static_cast<iconv_t>(iconv_));
}

bool Utf8Converter::convert(std::string_view in, std::string& out) {
  if (!iconv_) {
    if (!is_valid_utf8(in)) return false;
    out.assign(in);
    return true;
  }
  auto cd = static_cast<iconv_t>(iconv_);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset the shift state left by a failed call
  out.assign(in.size() * 4 + 16, '\0');            // every charset gettext uses fits 4 bytes/char
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  while (src_left > 0) {
    if (iconv(cd, &src, &src_left, &dst, &dst_left) != static_cast<size_t>(-1)) continue;
    if (errno != E2BIG) return false;  // EILSEQ / EINVAL: not valid in this charset
    const size_t used = out.size() - dst_left;
    out.resize(out.size() * 2);
    dst = out.data() + used;
    dst_left = out.size() - used;
  }
  out.resize(out.size() - dst_left);
  return true;
}

std::string header_charset(std::string_view header) {
  std::string lower(header);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const size_t at = lower.find("charset=");
  if (at == std::string::npos) return "UTF-8";
  const size_t start = at + 8;
  size_t end = start;
  while (end < header.size() && !std::isspace(static_cast<unsigned char>(header[end])) && header[end] != ';') ++end;
  std::string charset(header.substr(start, end - start));
  // msginit leaves the literal placeholder "CHARSET" in untouched templates.
  if (charset.empty() || canonical_charset_name(charset) == "CHARSET") return "UTF-8";
  return charset;
}

Catalog parse_mo(std::string_view bytes, const std::string& name) {
  const MoWords mo(bytes, name);
  const uint32_t revision = mo.word(4);
  const uint32_t major = revision >> 16, minor = revision & 0xffff;
  if (major > 1) mo.fail(fmt::format("unsupported major revision {} (0 and 1 are defined)", major));
  const uint32_t count = mo.word(8);
  const uint64_t originals = mo.word(12), translations = mo.word(16);
  for (uint64_t table : {originals, translations})
    if (table + uint64_t{count} * 8 > mo.size())
      mo.fail(fmt::format("a string table of {} entries at offset {} runs past the end of the file ({} bytes)",
                          count, table, mo.size()));

  Catalog cat;
  cat.path = name;
  // The header is the entry with an empty msgid; it gives the charset every other string is in.
  for (uint32_t i = 0; i < count; ++i) {
    if (mo.string_at(originals, i, "original").empty()) {
      cat.charset = header_charset(mo.string_at(translations, i, "translation"));
      break;
    }
  }
  Utf8Converter conv = [&]() -> Utf8Converter {
    try {
      return Utf8Converter(cat.charset);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: {}", name, e.what()));
    }
  }();
  cat.entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const MoKey key = split_key(mo.string_at(originals, i, "original"));
    const std::string_view value = mo.string_at(translations, i, "translation");
    if (key.singular.empty()) continue;  // the header, or a context with nothing to translate
    add_entry(cat, conv, key, value);
  }
  if (minor >= 1) add_sysdep_entries(mo, cat, conv);
  return cat;
}

std::string encode_mo(std::vector<MoMessage> messages, bool big_endian) {
  std::sort(messages.begin(), messages.end(), [](const MoMessage& a, const MoMessage& b) { return a.key < b.key; });
  const auto count = static_cast<uint32_t>(messages.size());
  // 48 header bytes: the revision-0 fields, then zeroed revision-1 fields (no system-dependent
  // strings), so a caller can add those by patching the header.
  const uint32_t originals = 48, translations = originals + 8 * count;
  std::string out;
  const auto put = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>(big_endian ? (v >> (24 - 8 * i)) & 0xff : (v >> (8 * i)) & 0xff);
  };
  for (uint32_t v : {kMoMagic, 0u, count, originals, translations, 0u, translations + 8 * count, 0u, 0u, 0u, 0u, 0u}) put(v);
  uint32_t offset = translations + 8 * count;  // strings follow the two tables
  for (int table = 0; table < 2; ++table) {
    for (const MoMessage& m : messages) {
      const std::string& s = table == 0 ? m.key : m.value;
      put(static_cast<uint32_t>(s.size()));
      put(offset);
      offset += static_cast<uint32_t>(s.size()) + 1;
    }
  }
  for (int table = 0; table < 2; ++table)
    for (const MoMessage& m : messages) {
      out += table == 0 ? m.key : m.value;
      out += '\0';
    }
  return out;
}

Catalog read_mo(const std::string& path) {
  const std::string bytes = read_file(path);
  return parse_mo(bytes, path);
}

}  // namespace longtail::data

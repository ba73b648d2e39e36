// Per-segment n-gram counting on integers, shared by BLEU and chrF.
//
// Symbols (word tokens interned per segment, or code points) are small integers; an n-gram gets
// the id of the pair (id of its (n-1)-gram prefix, last symbol), interned in one hash table per
// segment. Equal n-grams therefore get equal ids for every order and alphabet, and all counting
// is done in dense arrays indexed by id instead of maps keyed by strings. Tables are reset in
// O(1) between segments and keep their memory, so a corpus is scored without allocations in the
// steady state. Header-only because BLEU and chrF both inline the hot loops.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace longtail::eval::ngram {

// Prefix ids of unigrams; distinct roots keep alphabets apart (chrF++ words vs characters).
inline constexpr std::uint32_t kRootA = 0xFFFFFFFFu;
inline constexpr std::uint32_t kRootB = 0xFFFFFFFEu;

// Open-addressing table; a slot belongs to the current segment iff its stamp matches.
template <typename Key, typename Hash, typename Equal>
class Interner {
 public:
  std::uint32_t intern(const Key& key) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = index(Hash{}(key));; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.stamp != stamp_) {
        slot = Slot{key, size_, stamp_};
        return size_++;
      }
      if (Equal{}(slot.key, key)) return slot.id;
    }
  }
  std::uint32_t size() const { return size_; }
  void clear() {
    size_ = 0;
    if (++stamp_ == 0) {  // stamps wrapped: really empty the table once
      for (Slot& slot : slots_) slot.stamp = 0;
      stamp_ = 1;
    }
  }

 private:
  struct Slot {  // no stored hash: keeps (prefix, symbol) slots at 16 bytes, cache-friendly
    Key key{};
    std::uint32_t id = 0;
    std::uint32_t stamp = 0;
  };
  std::size_t index(std::uint64_t h) const { return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> shift_); }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    const std::size_t capacity = old.empty() ? 256 : old.size() * 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<int>(__builtin_ctzll(capacity));
    for (const Slot& slot : old) {
      if (slot.stamp != stamp_) continue;
      std::size_t i = index(Hash{}(slot.key));
      while (slots_[i].stamp == stamp_) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::uint32_t size_ = 0;
  std::uint32_t stamp_ = 1;
};

struct PairHash {
  std::uint64_t operator()(std::uint64_t key) const { return key ^ (key >> 29); }
};
struct StringHash {
  std::uint64_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

// Word -> id within one segment. The views must stay valid until clear().
using WordIds = Interner<std::string_view, StringHash, std::equal_to<>>;

// (prefix id, symbol) -> n-gram id within one segment.
class NgramIds {
 public:
  void clear() { table_.clear(); }
  std::uint32_t size() const { return table_.size(); }
  std::uint32_t id(std::uint32_t prefix, std::uint32_t symbol) {
    return table_.intern((static_cast<std::uint64_t>(prefix) << 32) | symbol);
  }
  // by_order[n-1][i] = id of symbols[i .. i+n), for n = 1..max_order (empty when too short).
  template <typename Symbol>
  void ids(const std::vector<Symbol>& symbols, int max_order, std::uint32_t root,
           std::vector<std::vector<std::uint32_t>>& by_order) {
    by_order.resize(static_cast<std::size_t>(max_order));
    for (int n = 1; n <= max_order; ++n) {
      auto& out = by_order[static_cast<std::size_t>(n - 1)];
      out.clear();
      const std::size_t count = symbols.size() >= static_cast<std::size_t>(n) ? symbols.size() - n + 1 : 0;
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t prefix = n == 1 ? root : by_order[static_cast<std::size_t>(n - 2)][i];
        out.push_back(id(prefix, static_cast<std::uint32_t>(symbols[i + n - 1])));
      }
    }
  }

 private:
  Interner<std::uint64_t, PairHash, std::equal_to<>> table_;
};

// Counts of n-gram ids in a dense array that is cleared by walking the ids it touched.
class Counts {
 public:
  // Makes every id below `size` addressable (new ones count 0).
  void fit(std::uint32_t size) {
    if (count_.size() < size) count_.resize(std::max<std::size_t>(size, count_.size() * 2), 0);
  }
  void add(const std::vector<std::uint32_t>& ids) {
    for (std::uint32_t id : ids)
      if (count_[id]++ == 0) distinct_.push_back(id);
  }
  std::int64_t operator[](std::uint32_t id) const { return count_[id]; }
  // Ids with a non-zero count, in first-seen order.
  const std::vector<std::uint32_t>& distinct() const { return distinct_; }
  void clear() {
    for (std::uint32_t id : distinct_) count_[id] = 0;
    distinct_.clear();
  }
  // Element-wise max with `other` (multi-reference clipping counts).
  void max_with(const Counts& other) {
    for (std::uint32_t id : other.distinct_) {
      const std::int32_t c = other.count_[id];
      if (count_[id] == 0) distinct_.push_back(id);
      count_[id] = std::max(count_[id], c);
    }
  }

 private:
  std::vector<std::int32_t> count_;
  std::vector<std::uint32_t> distinct_;
};

// Σ_g min(a[g], b[g]) over the n-grams of `a`.
inline std::int64_t clipped_matches(const Counts& a, const Counts& b) {
  std::int64_t matches = 0;
  for (std::uint32_t id : a.distinct()) matches += std::min(a[id], b[id]);
  return matches;
}

}  // namespace longtail::eval::ngram

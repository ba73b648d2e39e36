// Per-segment n-gram counting on integers, shared by BLEU and chrF.
//
// Fast path (PackedNgrams): within one segment, the symbols of the references get local ids
// 1..L and a hypothesis symbol that no reference has gets L+1. With b = bit_width(L+1) bits per
// symbol an n-gram of order n <= 64/b is packed *exactly* into a 64-bit key
// (key_n = key_{n-1} << b | id), and keys of different orders never collide because ids are >= 1
// (key_n lies in [2^((n-1)b), 2^(nb))). The references' n-grams go into one small table per
// segment, shared by every system scored against them; a hypothesis only probes it. Since an
// n-gram's prefix occurs wherever the n-gram does, a start position stops probing at the first
// order that is absent. Segments that cannot be packed (more than 2^(64/order) - 2 distinct
// symbols) take the general path below.
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
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/metric.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval::ngram {

// Prefix ids of unigrams; distinct roots keep alphabets apart (chrF++ words vs characters).
inline constexpr std::uint32_t kRootA = 0xFFFFFFFFu;
inline constexpr std::uint32_t kRootB = 0xFFFFFFFEu;

// Open-addressing slots (linear probing) for one segment's entries, emptied in O(1) between
// segments: a slot belongs to the current segment iff its stamp matches. The tables below differ
// in keys, hashes and probing but share this bookkeeping; Slot has a `stamp` member.
template <typename Slot>
class StampedSlots {
 public:
  std::uint32_t size() const { return size_; }
  void clear() {
    size_ = 0;
    if (++stamp_ == 0) {  // stamps wrapped: really empty the table once
      for (Slot& slot : slots_) slot.stamp = 0;
      stamp_ = 1;
    }
  }

 protected:
  // One more entry would take the load over 1/2.
  bool full() const { return (size_ + 1) * 2 > slots_.size(); }
  // Doubles the table (the first one gets `initial` slots) and re-inserts the current entries,
  // each probing from home(slot), which sees the new shift_.
  template <typename Home>
  void grow_slots(std::size_t initial, Home home) {
    std::vector<Slot> old;
    old.swap(slots_);
    const std::size_t capacity = old.empty() ? initial : old.size() * 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<int>(__builtin_ctzll(capacity));
    for (const Slot& slot : old) {
      if (slot.stamp != stamp_) continue;
      std::size_t i = home(slot);
      while (slots_[i].stamp == stamp_) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::uint32_t size_ = 0, stamp_ = 1;
};

namespace detail {
template <typename Key>
struct KeySlot {  // no stored hash: keeps (prefix, symbol) slots at 16 bytes, cache-friendly
  Key key{};
  std::uint32_t id = 0;
  std::uint32_t stamp = 0;
};
}  // namespace detail

// Key -> id 0..size()-1 in first-seen order, within one segment.
template <typename Key, typename Hash, typename Equal, std::size_t kInitialSlots = 256>
class Interner : public StampedSlots<detail::KeySlot<Key>> {
  using Slot = detail::KeySlot<Key>;
  using Base = StampedSlots<Slot>;
  using Base::mask_, Base::shift_, Base::size_, Base::slots_, Base::stamp_;

 public:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
  std::uint32_t intern(const Key& key) {
    if (this->full()) grow();
    for (std::size_t i = index(Hash{}(key));; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.stamp != stamp_) {
        slot = Slot{key, size_, stamp_};
        return size_++;
      }
      if (Equal{}(slot.key, key)) return slot.id;
    }
  }
  // The id of `key`, or kAbsent.
  std::uint32_t find(const Key& key) const {
    if (size_ == 0) return kAbsent;
    for (std::size_t i = index(Hash{}(key));; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.stamp != stamp_) return kAbsent;
      if (Equal{}(slot.key, key)) return slot.id;
    }
  }

 private:
  std::size_t index(std::uint64_t h) const { return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> shift_); }
  void grow() {
    this->grow_slots(kInitialSlots, [this](const Slot& slot) { return index(Hash{}(slot.key)); });
  }
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

// ---- fast path ----

// Bits per symbol for local ids 1..num_symbols plus the "absent" id num_symbols + 1; 0 if an
// n-gram of max_order such symbols does not fit in 64 bits.
inline int packed_bits(std::uint32_t num_symbols, int max_order) {
#ifdef LONGTAIL_SCORER_GENERAL_NGRAMS  // check build: every segment takes the general path
  (void)num_symbols;
  (void)max_order;
  return 0;
#endif
  const int bits = 64 - __builtin_clzll(static_cast<std::uint64_t>(num_symbols) + 1);  // bit_width
  return static_cast<long>(bits) * max_order <= 64 ? bits : 0;
}

// Hash of a token's bytes (words are short: one or two 8-byte loads for most).
inline std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  const std::size_t rest = s.size() - i;  // 0..7 bytes: overlapping fixed-size loads, no memcpy call
  if (rest >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, s.data() + i, 4);
    std::memcpy(&hi, s.data() + i + rest - 4, 4);
    h = (h ^ (static_cast<std::uint64_t>(hi) << 32 | lo)) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  } else if (rest > 0) {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint64_t>(static_cast<unsigned char>(s[i + k])); };
    h = (h ^ (byte(0) | byte(rest / 2) << 8 | byte(rest - 1) << 16)) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  return h * 0x94D049BB133111EBull;
}

namespace detail {
struct WordSlot {
  const char* data = nullptr;
  std::uint32_t size = 0, hash = 0, id = 0, stamp = 0;
};
}  // namespace detail

// Word -> local id 1..size() for one segment's references; find() gives 0 for other words. The
// views must stay valid until clear().
class LocalWords : public StampedSlots<detail::WordSlot> {
 public:
  std::uint32_t intern(std::string_view word) {
    if (full()) grow();
    const std::uint64_t h = hash_bytes(word);
    for (std::size_t i = h >> shift_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.stamp != stamp_) {
        slot = Slot{word.data(), static_cast<std::uint32_t>(word.size()), static_cast<std::uint32_t>(h), ++size_, stamp_};
        return size_;
      }
      if (slot.hash == static_cast<std::uint32_t>(h) && equal(slot, word)) return slot.id;
    }
  }
  std::uint32_t find(std::string_view word) const {
    if (size_ == 0) return 0;
    const std::uint64_t h = hash_bytes(word);
    for (std::size_t i = h >> shift_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.stamp != stamp_) return 0;
      if (slot.hash == static_cast<std::uint32_t>(h) && equal(slot, word)) return slot.id;
    }
  }

 private:
  using Slot = detail::WordSlot;
  static bool equal(const Slot& slot, std::string_view word) {
    if (slot.size != word.size()) return false;
    const std::size_t n = word.size();
    if (n >= 4 && n <= 8) {  // most words: two overlapping 4-byte compares instead of a memcmp call
      std::uint32_t a0, a1, b0, b1;
      std::memcpy(&a0, slot.data, 4);
      std::memcpy(&a1, slot.data + n - 4, 4);
      std::memcpy(&b0, word.data(), 4);
      std::memcpy(&b1, word.data() + n - 4, 4);
      return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return std::memcmp(slot.data, word.data(), n) == 0;
  }
  void grow() {
    grow_slots(256, [this](const Slot& slot) { return hash_bytes(std::string_view(slot.data, slot.size)) >> shift_; });
  }
};

// Code point -> local id 1..size() for one segment's references; find() gives 0 for others.
// Code points below 0x800 (Latin, Greek, Cyrillic, Hebrew, Arabic ...) index a flat array.
class LocalChars {
 public:
  void clear() {
    for (char32_t cp : low_used_) low_[cp] = 0;
    low_used_.clear();
    high_.clear();
    high_ids_.clear();
    size_ = 0;
  }
  std::uint32_t size() const { return size_; }
  std::uint32_t intern(char32_t cp) {
    if (cp < kLow) {
      std::uint32_t& id = low_[cp];
      if (id == 0) {
        id = ++size_;
        low_used_.push_back(cp);
      }
      return id;
    }
    const std::uint32_t id = high_.intern(cp);  // 0-based, in first-seen order
    if (id == high_ids_.size()) high_ids_.push_back(++size_);
    return high_ids_[id];
  }
  std::uint32_t find(char32_t cp) const {
    if (cp < kLow) return low_[cp];
    const std::uint32_t id = high_.find(cp);
    return id == HighMap::kAbsent ? 0 : high_ids_[id];
  }

 private:
  static constexpr char32_t kLow = 0x800;
  struct CodePointHash {
    std::uint64_t operator()(char32_t cp) const { return cp; }  // Interner multiplies it out
  };
  // Code point -> 0-based id in first-seen order.
  using HighMap = Interner<char32_t, CodePointHash, std::equal_to<>, 64>;
  std::vector<std::uint32_t> low_ = std::vector<std::uint32_t>(kLow, 0);
  std::vector<char32_t> low_used_;
  HighMap high_;
  std::vector<std::uint32_t> high_ids_;
  std::uint32_t size_ = 0;
};

// One segment's reference n-grams as exact packed keys with their (max over references) count;
// hypotheses probe it. count() runs are separated by generations, so neither references nor
// hypotheses need a clearing pass.
class PackedNgrams {
 public:
  // Empties the table for a new segment and makes room for `expected` keys at load <= 1/2.
  void reset(std::size_t expected) {
    if (slots_.empty() || expected * 2 > slots_.size()) {
      std::size_t capacity = 64;
      while (capacity < expected * 2) capacity *= 2;
      slots_.assign(capacity, Slot{});
      mask_ = capacity - 1;
      shift_ = 64 - static_cast<int>(__builtin_ctzll(capacity));
      stamp_ = 1;
    } else if (++stamp_ == 0) {
      for (Slot& slot : slots_) slot.stamp = 0;
      stamp_ = 1;
    }
  }
  // Starts counting the occurrences of one text (a reference or a hypothesis).
  void begin_text() {
    if (++gen_ == 0) {
      for (Slot& slot : slots_) slot.gen = 0;
      gen_ = 1;
    }
  }
  // A reference occurrence of `key`: the table keeps each key's max count over references.
  void add_reference(std::uint64_t key) {
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.stamp != stamp_) {
        slot = Slot{key, stamp_, 1, gen_, 1};
        return;
      }
      if (slot.key == key) {
        if (slot.gen != gen_) {
          slot.gen = gen_;
          slot.count = 0;
        }
        slot.max = std::max(slot.max, ++slot.count);
        return;
      }
    }
  }
  // A hypothesis occurrence of `key`: -1 if no reference has it, else 1 while it is within the
  // clipping count (the k-th occurrence matches iff k <= max), 0 after that. Summed over a
  // hypothesis, the 1s are Σ min(hyp count, max ref count).
  int match(std::uint64_t key) {
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.stamp != stamp_) return -1;
      if (slot.key == key) {
        if (slot.gen != gen_) {
          slot.gen = gen_;
          slot.count = 0;
        }
        return ++slot.count <= slot.max ? 1 : 0;
      }
    }
  }

  // Adds every n-gram of `ids` (orders 1..max_order) as a reference.
  void add_reference_ngrams(const std::uint32_t* ids, std::size_t len, int max_order, int bits) {
    begin_text();
    for_each_key(ids, len, max_order, bits, [this](std::uint64_t key, std::size_t) {
      add_reference(key);
      return true;
    });
  }
  // Clipped matches of the n-grams of `ids` per order, added to matches[0..max_order).
  template <typename Int>
  void match_ngrams(const std::uint32_t* ids, std::size_t len, int max_order, int bits, Int* matches) {
    begin_text();
    for_each_key(ids, len, max_order, bits, [this, matches](std::uint64_t key, std::size_t order) {
      const int m = match(key);
      if (m < 0) return false;  // longer n-grams from this start are absent too
      matches[order] += m;
      return true;
    });
  }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t stamp = 0, max = 0, gen = 0, count = 0;
  };
  // visit(key, n - 1) for the packed key of every n-gram of `ids` (n = 1..max_order), by start
  // position, shortest first; visit returns false to skip the longer ones from that start.
  template <typename Visit>
  static void for_each_key(const std::uint32_t* ids, std::size_t len, int max_order, int bits, Visit visit) {
    for (std::size_t i = 0; i < len; ++i) {
      std::uint64_t key = 0;
      const std::size_t end = std::min(len, i + static_cast<std::size_t>(max_order));
      for (std::size_t j = i; j < end; ++j) {
        key = key << bits | ids[j];
        if (!visit(key, j - i)) break;
      }
    }
  }
  std::size_t index(std::uint64_t key) const { return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::uint32_t stamp_ = 1, gen_ = 1;
};

// N-gram count of one order in a text of `len` symbols.
inline std::int64_t ngram_count(std::size_t len, int n) {
  return len >= static_cast<std::size_t>(n) ? static_cast<std::int64_t>(len - static_cast<std::size_t>(n) + 1) : 0;
}

// ---- corpus iteration ----

// Several systems against the same reference streams, segment by segment, so that a segment's
// references are processed once for all systems. Validates like checked_corpus_segment_stats
// (metric.h): no stream or a line-count mismatch throws std::invalid_argument, invalid UTF-8
// throws Utf8Error naming the line ("hypothesis line I", with several systems "system S
// hypothesis line I", "reference stream K line I"); every line is checked once.
// segment(i, hyps, refs) gets segment i of every system and every stream.
template <typename Segment>
void for_each_segment(const char* metric, const std::vector<const std::vector<std::string>*>& systems,
                      const std::vector<std::vector<std::string>>& ref_streams, Segment&& segment) {
  if (ref_streams.empty()) throw std::invalid_argument(std::string(metric) + " needs at least one reference stream");
  for (const auto* system : systems)
    for (std::size_t k = 0; k < ref_streams.size(); ++k) check_same_length(system->size(), ref_streams[k].size(), k);
  const auto line = [](const std::string& kind, std::size_t i) { return kind + " line " + std::to_string(i + 1); };
  const std::size_t num_segments = ref_streams[0].size();
  std::vector<std::string_view> hyps(systems.size()), refs(ref_streams.size());
  for (std::size_t i = 0; i < num_segments; ++i) {
    for (std::size_t s = 0; s < systems.size(); ++s) {
      hyps[s] = (*systems[s])[i];
      if (find_invalid_utf8(hyps[s]) != std::string_view::npos)
        check_utf8(hyps[s], line(systems.size() == 1 ? "hypothesis" : "system " + std::to_string(s + 1) + " hypothesis", i));
    }
    for (std::size_t k = 0; k < ref_streams.size(); ++k) {
      refs[k] = ref_streams[k][i];
      if (find_invalid_utf8(refs[k]) != std::string_view::npos)
        check_utf8(refs[k], line("reference stream " + std::to_string(k + 1), i));
    }
    segment(i, hyps, refs);
  }
}

}  // namespace longtail::eval::ngram

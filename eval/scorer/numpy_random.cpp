// NumPy's SeedSequence -> PCG64 -> Generator, transcribed (see numpy_random.h for the sources).
#include "eval/scorer/numpy_random.h"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace longtail::eval::numpy {

namespace {

// bit_generator.pyx constants.
constexpr std::uint32_t kInitA = 0x43b0d7e5;
constexpr std::uint32_t kMultA = 0x931e8875;
constexpr std::uint32_t kInitB = 0x8b51f9dd;
constexpr std::uint32_t kMultB = 0x58f38ded;
constexpr std::uint32_t kMixMultL = 0xca01f9dd;
constexpr std::uint32_t kMixMultR = 0x4973f715;
constexpr unsigned kXShift = 16;  // 4 * 8 // 2

std::uint32_t hashmix(std::uint32_t value, std::uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  value ^= value >> kXShift;
  return value;
}

std::uint32_t mix(std::uint32_t x, std::uint32_t y) {
  std::uint32_t result = kMixMultL * x - kMixMultR * y;
  result ^= result >> kXShift;
  return result;
}

// Drops the most significant zero words (Python ints have no leading zeros); 0 is {0}.
std::vector<std::uint32_t> normalized(std::vector<std::uint32_t> words) {
  while (words.size() > 1 && words.back() == 0) words.pop_back();
  if (words.empty()) words.push_back(0);
  return words;
}

// The smallest all-ones mask >= max.
std::uint64_t gen_mask(std::uint64_t max) {
  std::uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  return mask;
}

// Lemire's nearly divisionless method, 32-bit flavour (rng < 0xFFFFFFFF is the inclusive range).
std::uint32_t bounded_lemire_uint32(Pcg64& bitgen, std::uint32_t rng) {
  const std::uint32_t rng_excl = rng + 1;
  std::uint64_t m = static_cast<std::uint64_t>(bitgen.next_uint32()) * rng_excl;
  std::uint32_t leftover = static_cast<std::uint32_t>(m & 0xFFFFFFFFULL);
  if (leftover < rng_excl) {
    const std::uint32_t threshold = (UINT32_MAX - rng) % rng_excl;
    while (leftover < threshold) {
      m = static_cast<std::uint64_t>(bitgen.next_uint32()) * rng_excl;
      leftover = static_cast<std::uint32_t>(m & 0xFFFFFFFFULL);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

// 64-bit flavour (rng < 0xFFFFFFFFFFFFFFFF).
std::uint64_t bounded_lemire_uint64(Pcg64& bitgen, std::uint64_t rng) {
  using u128 = Pcg64::u128;
  const std::uint64_t rng_excl = rng + 1;
  u128 m = static_cast<u128>(bitgen.next_uint64()) * rng_excl;
  std::uint64_t leftover = static_cast<std::uint64_t>(m);
  if (leftover < rng_excl) {
    const std::uint64_t threshold = (UINT64_MAX - rng) % rng_excl;
    while (leftover < threshold) {
      m = static_cast<u128>(bitgen.next_uint64()) * rng_excl;
      leftover = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

// random_bounded_uint64_fill(..., use_masked=false): off + [0, rng].
void bounded_uint64_fill(Pcg64& bitgen, std::uint64_t off, std::uint64_t rng, std::int64_t* out, std::size_t cnt) {
  if (rng == 0) {
    for (std::size_t i = 0; i < cnt; ++i) out[i] = static_cast<std::int64_t>(off);
  } else if (rng <= 0xFFFFFFFFULL) {
    if (rng == 0xFFFFFFFFULL) {
      for (std::size_t i = 0; i < cnt; ++i) out[i] = static_cast<std::int64_t>(off + bitgen.next_uint32());
    } else {
      const auto rng32 = static_cast<std::uint32_t>(rng);
      for (std::size_t i = 0; i < cnt; ++i)
        out[i] = static_cast<std::int64_t>(off + bounded_lemire_uint32(bitgen, rng32));
    }
  } else if (rng == 0xFFFFFFFFFFFFFFFFULL) {
    for (std::size_t i = 0; i < cnt; ++i) out[i] = static_cast<std::int64_t>(off + bitgen.next_uint64());
  } else {
    for (std::size_t i = 0; i < cnt; ++i) out[i] = static_cast<std::int64_t>(off + bounded_lemire_uint64(bitgen, rng));
  }
}

// random_interval(bitgen, max): masked rejection, used by shuffle/permutation.
std::uint64_t random_interval(Pcg64& bitgen, std::uint64_t max) {
  if (max == 0) return 0;
  const std::uint64_t mask = gen_mask(max);
  std::uint64_t value;
  if (max <= 0xFFFFFFFFULL) {
    while ((value = (bitgen.next_uint32() & mask)) > max) {
    }
  } else {
    while ((value = (bitgen.next_uint64() & mask)) > max) {
    }
  }
  return value;
}

}  // namespace

// ---- SeedSequence ----

SeedSequence::SeedSequence(std::vector<std::uint32_t> entropy) : entropy_(normalized(std::move(entropy))) {
  // mix_entropy(pool, get_assembled_entropy()); no spawn key, so the entropy is used as is.
  std::uint32_t hash_const = kInitA;
  for (std::size_t i = 0; i < kPoolSize; ++i)
    pool_[i] = hashmix(i < entropy_.size() ? entropy_[i] : 0u, hash_const);
  for (std::size_t src = 0; src < kPoolSize; ++src)
    for (std::size_t dst = 0; dst < kPoolSize; ++dst)
      if (src != dst) pool_[dst] = mix(pool_[dst], hashmix(pool_[src], hash_const));
  for (std::size_t src = kPoolSize; src < entropy_.size(); ++src)
    for (std::size_t dst = 0; dst < kPoolSize; ++dst) pool_[dst] = mix(pool_[dst], hashmix(entropy_[src], hash_const));
}

SeedSequence SeedSequence::from_os_entropy() {
  std::random_device device;
  std::vector<std::uint32_t> words(kPoolSize);
  for (auto& w : words) w = device();
  return SeedSequence(std::move(words));
}

std::vector<std::uint32_t> SeedSequence::int_to_words(std::uint64_t value) {
  return normalized({static_cast<std::uint32_t>(value), static_cast<std::uint32_t>(value >> 32)});
}

std::vector<std::uint32_t> SeedSequence::decimal_to_words(std::string_view digits) {
  if (digits.empty()) throw std::invalid_argument("SeedSequence: empty number");
  std::vector<std::uint32_t> words{0};
  for (char c : digits) {
    if (c < '0' || c > '9') throw std::invalid_argument("SeedSequence: not a decimal number: " + std::string(digits));
    std::uint64_t carry = static_cast<std::uint64_t>(c - '0');
    for (auto& w : words) {
      const std::uint64_t v = static_cast<std::uint64_t>(w) * 10 + carry;
      w = static_cast<std::uint32_t>(v);
      carry = v >> 32;
    }
    if (carry) words.push_back(static_cast<std::uint32_t>(carry));
  }
  return normalized(std::move(words));
}

std::vector<std::uint32_t> SeedSequence::generate_state32(std::size_t n_words) const {
  std::uint32_t hash_const = kInitB;
  std::vector<std::uint32_t> state(n_words);
  for (std::size_t i = 0; i < n_words; ++i) {
    std::uint32_t data = pool_[i % kPoolSize];
    data ^= hash_const;
    hash_const *= kMultB;
    data *= hash_const;
    data ^= data >> kXShift;
    state[i] = data;
  }
  return state;
}

std::vector<std::uint64_t> SeedSequence::generate_state64(std::size_t n_words) const {
  const std::vector<std::uint32_t> words = generate_state32(2 * n_words);
  std::vector<std::uint64_t> state(n_words);
  for (std::size_t i = 0; i < n_words; ++i)
    state[i] = static_cast<std::uint64_t>(words[2 * i]) | (static_cast<std::uint64_t>(words[2 * i + 1]) << 32);
  return state;
}

// ---- PCG64 ----

Pcg64::Pcg64(const SeedSequence& seed) {
  const std::vector<std::uint64_t> v = seed.generate_state64(4);
  const u128 initstate = (static_cast<u128>(v[0]) << 64) | v[1];
  const u128 initseq = (static_cast<u128>(v[2]) << 64) | v[3];
  // pcg_setseq_128_srandom_r
  state_ = 0;
  inc_ = (initseq << 1) | 1;
  state_ = state_ * kMultiplier + inc_;
  state_ += initstate;
  state_ = state_ * kMultiplier + inc_;
}

// ---- Generator ----

std::int64_t Generator::integers(std::int64_t low, std::int64_t high) {
  std::int64_t out = 0;
  integers(low, high, &out, 1);
  return out;
}

std::vector<std::int64_t> Generator::integers(std::int64_t low, std::int64_t high, std::size_t size, bool endpoint) {
  std::vector<std::int64_t> out(size);
  integers(low, high, out.data(), size, endpoint);
  return out;
}

void Generator::integers(std::int64_t low, std::int64_t high, std::int64_t* out, std::size_t size, bool endpoint) {
  if (endpoint ? low > high : low >= high) throw std::invalid_argument(endpoint ? "low > high" : "low >= high");
  const std::int64_t last = endpoint ? high : high - 1;
  const std::uint64_t rng = static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(low);
  bounded_uint64_fill(bitgen_, static_cast<std::uint64_t>(low), rng, out, size);
}

std::vector<std::uint8_t> Generator::integers_bool(std::size_t size) {
  std::vector<std::uint8_t> out(size);
  integers_bool(out.data(), size);
  return out;
}

void Generator::integers_bool(std::uint8_t* out, std::size_t size) {
  // random_bounded_bool_fill with off 0, rng 1: buffered_bounded_bool takes a new word when its
  // count is 0 (at the start of the call, then every 32 values) and shifts it right otherwise.
  for (std::size_t i = 0; i < size; i += 32) {
    const std::uint32_t buf = bitgen_.next_uint32();
    const std::size_t m = std::min<std::size_t>(32, size - i);
    for (std::size_t b = 0; b < m; ++b) out[i + b] = static_cast<std::uint8_t>((buf >> b) & 1u);
  }
}

std::vector<std::int64_t> Generator::choice(std::int64_t n, std::size_t size) {
  std::vector<std::int64_t> out(size);
  choice(n, out.data(), size);
  return out;
}

void Generator::choice(std::int64_t n, std::int64_t* out, std::size_t size) {
  if (size == 0) return;
  if (n <= 0) throw std::invalid_argument("a must be a positive integer unless no samples are taken");
  integers(0, n, out, size);
}

std::vector<double> Generator::random(std::size_t size) {
  std::vector<double> out(size);
  for (auto& x : out) x = bitgen_.next_double();
  return out;
}

std::vector<std::int64_t> Generator::permutation(std::int64_t n) {
  if (n < 0) throw std::invalid_argument("negative dimensions are not allowed");
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = n - 1; i >= 1; --i) {
    const auto j = static_cast<std::size_t>(random_interval(bitgen_, static_cast<std::uint64_t>(i)));
    std::swap(out[j], out[static_cast<std::size_t>(i)]);
  }
  return out;
}

}  // namespace longtail::eval::numpy

// NumPy's default random generator, bit for bit: `np.random.default_rng(seed)` =
// Generator(PCG64(SeedSequence(seed))), and the Generator draws that sacreBLEU's significance
// code makes (`choice(n, size, replace=True)`, `integers(2, size, dtype=bool)`), plus the general
// int64 `integers()`, `random()` and `permutation()`.
//
//   numpy::Generator rng = numpy::default_rng(12345);
//   std::vector<std::int64_t> idx = rng.choice(3004, 1000 * 3004);   // rng.choice(3004, size=(1000, 3004))
//
// Sources transcribed (NumPy 1.17 – 2.x; checked against NumPy 2.4.6 and 1.26.4, which give the
// same streams): `numpy/random/bit_generator.pyx` (SeedSequence: hashmix/mix, pool of 4 words,
// generate_state), `numpy/random/src/pcg64/pcg64.h` (128-bit LCG, XSL-RR output, seeding,
// next_uint32 buffering), `numpy/random/src/distributions/distributions.c` (bounded integers:
// Lemire's method for Generator; the masked rejection of random_interval for shuffles) and
// `numpy/random/_generator.pyx` (choice, integers, permutation).
// Multi-dimensional `size` arguments are flattened row-major: pass the product.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace longtail::eval::numpy {

// SeedSequence(entropy) with no spawn key and the default pool size (4 words).
class SeedSequence {
 public:
  static constexpr std::size_t kPoolSize = 4;

  // `entropy` as NumPy coerces a non-negative Python int: 32-bit words, least significant first;
  // 0 is {0}. An empty vector is treated as {0}.
  explicit SeedSequence(std::vector<std::uint32_t> entropy);
  explicit SeedSequence(std::uint64_t entropy) : SeedSequence(int_to_words(entropy)) {}
  // SeedSequence(None): 128 bits from std::random_device (NumPy: secrets.randbits(128)).
  static SeedSequence from_os_entropy();

  // Python's `_int_to_uint32_array` for an int given in decimal (digits only, any length).
  // Throws std::invalid_argument if `digits` is empty or has a non-digit.
  static std::vector<std::uint32_t> decimal_to_words(std::string_view digits);
  static std::vector<std::uint32_t> int_to_words(std::uint64_t value);

  const std::vector<std::uint32_t>& entropy() const { return entropy_; }
  const std::array<std::uint32_t, kPoolSize>& pool() const { return pool_; }

  // generate_state(n_words, np.uint32) / generate_state(n_words, np.uint64) (the latter pairs
  // uint32 words, low word first).
  std::vector<std::uint32_t> generate_state32(std::size_t n_words) const;
  std::vector<std::uint64_t> generate_state64(std::size_t n_words) const;

 private:
  std::vector<std::uint32_t> entropy_;
  std::array<std::uint32_t, kPoolSize> pool_{};
};

// PCG64 (pcg_setseq_128_xsl_rr_64) as NumPy's BitGenerator, including the buffered upper half
// that next_uint32() keeps between calls.
class Pcg64 {
 public:
  __extension__ typedef unsigned __int128 u128;  // GCC/Clang
  static constexpr u128 kMultiplier =
      (static_cast<u128>(0x2360ED051FC65DA4ULL) << 64) | static_cast<u128>(0x4385DF649FCCF645ULL);

  // Seeding as PCG64(seed_seq): generate_state(4, uint64) = v0..v3, initstate = v0:v1,
  // initseq = v2:v3, then pcg_setseq_128_srandom_r.
  explicit Pcg64(const SeedSequence& seed);
  // A raw state, as `bit_generator.state = {...}` sets it (`inc` must be odd).
  Pcg64(u128 state, u128 inc, bool has_uint32 = false, std::uint32_t uinteger = 0)
      : state_(state), inc_(inc), has_uint32_(has_uint32), uinteger_(uinteger) {}

  // next_uint64: step the LCG, then output rotr64(hi ^ lo, hi >> 58) of the new state.
  std::uint64_t next_uint64() {
    state_ = state_ * kMultiplier + inc_;
    const std::uint64_t hi = static_cast<std::uint64_t>(state_ >> 64);
    const std::uint64_t x = hi ^ static_cast<std::uint64_t>(state_);
    const unsigned rot = static_cast<unsigned>(hi >> 58);
    return (x >> rot) | (x << ((64u - rot) & 63u));
  }
  // Low half of a fresh 64-bit output; the high half is returned by the next call.
  std::uint32_t next_uint32() {
    if (has_uint32_) {
      has_uint32_ = false;
      return uinteger_;
    }
    const std::uint64_t next = next_uint64();
    has_uint32_ = true;
    uinteger_ = static_cast<std::uint32_t>(next >> 32);
    return static_cast<std::uint32_t>(next);
  }
  // [0, 1) with 53 random bits.
  double next_double() { return static_cast<double>(next_uint64() >> 11) * (1.0 / 9007199254740992.0); }

  u128 state() const { return state_; }
  u128 inc() const { return inc_; }
  bool has_uint32() const { return has_uint32_; }
  std::uint32_t uinteger() const { return uinteger_; }

 private:
  u128 state_ = 0;
  u128 inc_ = 1;
  bool has_uint32_ = false;
  std::uint32_t uinteger_ = 0;
};

// numpy.random.Generator over PCG64.
class Generator {
 public:
  explicit Generator(Pcg64 bit_generator) : bitgen_(bit_generator) {}
  explicit Generator(const SeedSequence& seed) : bitgen_(seed) {}

  Pcg64& bit_generator() { return bitgen_; }
  const Pcg64& bit_generator() const { return bitgen_; }

  // integers(low, high, size, dtype=np.int64, endpoint=endpoint): [low, high) or [low, high].
  // Throws std::invalid_argument when the range is empty ("low >= high" / "low > high", as NumPy's
  // ValueError). The scalar form is integers(low, high) with size=None.
  std::int64_t integers(std::int64_t low, std::int64_t high);
  std::vector<std::int64_t> integers(std::int64_t low, std::int64_t high, std::size_t size, bool endpoint = false);
  void integers(std::int64_t low, std::int64_t high, std::int64_t* out, std::size_t size, bool endpoint = false);

  // integers(2, size, dtype=bool), sacreBLEU's coin flips: one next_uint32() feeds 32 draws,
  // least significant bit first, with the bit buffer kept across the whole array (not per row).
  std::vector<std::uint8_t> integers_bool(std::size_t size);
  void integers_bool(std::uint8_t* out, std::size_t size);

  // choice(n, size, replace=True) with p=None: integers(0, n, size) (int64). Throws
  // std::invalid_argument if n <= 0 and size > 0.
  std::vector<std::int64_t> choice(std::int64_t n, std::size_t size);
  void choice(std::int64_t n, std::int64_t* out, std::size_t size);

  // random(): float64 in [0, 1).
  double random() { return bitgen_.next_double(); }
  std::vector<double> random(std::size_t size);

  // permutation(n): np.arange(n) shuffled in place (Fisher-Yates from the end, j drawn by
  // random_interval's masked rejection).
  std::vector<std::int64_t> permutation(std::int64_t n);

 private:
  Pcg64 bitgen_;
};

// np.random.default_rng(seed) for a non-negative int seed given as 32-bit words or a uint64.
inline Generator default_rng(const SeedSequence& seed) { return Generator(seed); }
inline Generator default_rng(std::uint64_t seed) { return Generator(SeedSequence(seed)); }

}  // namespace longtail::eval::numpy

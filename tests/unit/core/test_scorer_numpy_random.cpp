// eval/scorer/numpy_random.h against tests/data/scorer/numpy_golden.json (made by
// tests/scorer/make_numpy_golden.py with NumPy 2.4.6; NumPy 1.26.4 gives the same file).
#include "eval/scorer/numpy_random.h"

#include <cstring>
#include <string>

#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;
using numpy::Generator;
using numpy::Pcg64;
using numpy::SeedSequence;

namespace {

const json::object& numpy_golden() {
  static const json::value data = [] {
    const std::string path = std::string(LONGTAIL_TEST_DATA) + "/scorer/numpy_golden.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    return json::parse(buf.str());
  }();
  return data.as_object();
}

const json::array& cases(const char* name) { return numpy_golden().at(name).as_array(); }

std::string u128_str(Pcg64::u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return s;
}

std::int64_t i64(const json::value& v) { return std::stoll(str(v)); }

// The golden hash: h = h * 0x100000001B3 + word (mod 2^64).
template <typename T>
std::string h64(const T* values, std::size_t n) {
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < n; ++i) h = h * 0x100000001B3ULL + static_cast<std::uint64_t>(values[i]);
  return std::to_string(h);
}

// Bits packed LSB-first into bytes, zero-padded to little-endian 64-bit words, then h64.
std::string hbool(const std::vector<std::uint8_t>& bits) {
  std::vector<std::uint64_t> words((bits.size() + 63) / 64, 0);
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) words[i / 64] |= std::uint64_t{1} << (i % 64);
  return h64(words.data(), words.size());
}

void check_state(const Pcg64& g, const json::value& expected) {
  const auto& e = expected.as_object();
  CHECK(u128_str(g.state()) == str(e.at("state")));
  CHECK(u128_str(g.inc()) == str(e.at("inc")));
  CHECK(static_cast<int>(g.has_uint32()) == e.at("has_uint32").as_int64());
  CHECK(static_cast<std::int64_t>(g.uinteger()) == e.at("uinteger").as_int64());
}

void check_head(const std::vector<std::int64_t>& v, const json::value& head) {
  const auto& h = head.as_array();
  REQUIRE(v.size() >= h.size());
  for (std::size_t i = 0; i < h.size(); ++i) CHECK(v[i] == i64(h[i]));
}

Generator rng_for(const json::value& seed) { return Generator(SeedSequence(static_cast<std::uint64_t>(seed.as_int64()))); }

}  // namespace

TEST_CASE("numpy_random: SeedSequence pool, generate_state and PCG64 seeding", "[scorer][numpy]") {
  for (const auto& c : cases("seed_sequence")) {
    const auto& o = c.as_object();
    INFO("entropy " << str(o.at("entropy")));
    const SeedSequence ss(SeedSequence::decimal_to_words(str(o.at("entropy"))));
    const auto& pool = o.at("pool").as_array();
    for (std::size_t i = 0; i < 4; ++i) CHECK(ss.pool()[i] == static_cast<std::uint32_t>(pool[i].as_int64()));
    const auto s32 = ss.generate_state32(6);
    for (std::size_t i = 0; i < 6; ++i) CHECK(s32[i] == static_cast<std::uint32_t>(o.at("state32").as_array()[i].as_int64()));
    const auto s64 = ss.generate_state64(4);
    for (std::size_t i = 0; i < 4; ++i) CHECK(std::to_string(s64[i]) == str(o.at("state64").as_array()[i]));

    Pcg64 g(ss);
    check_state(g, o.at("pcg64"));
    for (const auto& raw : o.at("raw").as_array()) CHECK(std::to_string(g.next_uint64()) == str(raw));
    check_state(g, o.at("after"));
  }
}

TEST_CASE("numpy_random: decimal and integer entropy", "[scorer][numpy]") {
  CHECK(SeedSequence::decimal_to_words("0") == std::vector<std::uint32_t>{0});
  CHECK(SeedSequence::decimal_to_words("000012345") == std::vector<std::uint32_t>{12345});
  CHECK(SeedSequence::decimal_to_words("4294967296") == std::vector<std::uint32_t>{0, 1});
  CHECK(SeedSequence::int_to_words(0) == std::vector<std::uint32_t>{0});
  CHECK(SeedSequence::int_to_words(0x100000002ULL) == std::vector<std::uint32_t>{2, 1});
  CHECK(SeedSequence(std::vector<std::uint32_t>{}).entropy() == std::vector<std::uint32_t>{0});
  CHECK(SeedSequence(std::vector<std::uint32_t>{7, 0, 0}).entropy() == std::vector<std::uint32_t>{7});
  CHECK_THROWS_AS(SeedSequence::decimal_to_words(""), std::invalid_argument);
  CHECK_THROWS_AS(SeedSequence::decimal_to_words("12a"), std::invalid_argument);
  // OS entropy: two generators differ (with overwhelming probability).
  CHECK(Generator(SeedSequence::from_os_entropy()).bit_generator().next_uint64() !=
        Generator(SeedSequence::from_os_entropy()).bit_generator().next_uint64());
}

TEST_CASE("numpy_random: integers() on every bounded-integer path", "[scorer][numpy]") {
  for (const auto& c : cases("integers")) {
    const auto& o = c.as_object();
    const std::int64_t low = i64(o.at("low")), high = i64(o.at("high"));
    const bool endpoint = o.at("endpoint").as_bool();
    INFO("seed " << o.at("seed").as_int64() << " [" << low << ", " << high << (endpoint ? "]" : ")"));
    Generator rng = rng_for(o.at("seed"));
    const auto v = rng.integers(low, high, static_cast<std::size_t>(o.at("size").as_int64()), endpoint);
    check_head(v, o.at("head"));
    CHECK(h64(v.data(), v.size()) == str(o.at("hash")));
    check_state(rng.bit_generator(), o.at("after"));
  }
  Generator rng = numpy::default_rng(1);
  CHECK_THROWS_WITH(rng.integers(5, 5), "low >= high");
  CHECK_THROWS_WITH(rng.integers(5, 4, 1, true), "low > high");
  CHECK(rng.integers(5, 5, 2, true) == std::vector<std::int64_t>{5, 5});
}

TEST_CASE("numpy_random: mixed draws share the buffered uint32 half", "[scorer][numpy]") {
  const auto& o = numpy_golden().at("sequence").as_object();
  Generator rng = rng_for(o.at("seed"));
  std::vector<std::string> got;
  got.push_back(std::to_string(rng.integers(0, 10)));
  got.push_back(std::to_string(rng.integers(0, std::int64_t{1} << 40)));
  got.push_back(std::to_string(rng.integers(0, 10)));
  got.push_back(std::to_string(rng.integers(0, 10)));
  for (auto x : rng.integers(0, 7, 3)) got.push_back(std::to_string(x));
  for (auto b : rng.integers_bool(5)) got.push_back("b" + std::to_string(b));
  got.push_back(std::to_string(rng.integers(-3, 3)));
  const double r = rng.random();
  got.push_back("random()");  // compared as a double below
  got.push_back(std::to_string(rng.integers(0, 10)));
  for (auto x : rng.permutation(6)) got.push_back(std::to_string(x));
  got.push_back(std::to_string(rng.integers(0, std::int64_t{1} << 35)));
  for (auto x : rng.choice(9, 4)) got.push_back(std::to_string(x));

  const auto& want = o.at("values").as_array();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (got[i] == "random()")
      CHECK(r == num(want[i]));  // repr() of the double
    else
      CHECK(got[i] == str(want[i]));
  }
  check_state(rng.bit_generator(), o.at("after"));
}

TEST_CASE("numpy_random: integers(2, size, dtype=bool)", "[scorer][numpy]") {
  for (const auto& c : cases("bool")) {
    const auto& o = c.as_object();
    std::size_t size = 1;
    for (const auto& d : o.at("shape").as_array()) size *= static_cast<std::size_t>(d.as_int64());
    INFO("seed " << o.at("seed").as_int64() << " size " << size);
    Generator rng = rng_for(o.at("seed"));
    const auto v = rng.integers_bool(size);
    const auto& head = o.at("head").as_array();
    for (std::size_t i = 0; i < head.size(); ++i) CHECK(static_cast<std::int64_t>(v[i]) == head[i].as_int64());
    CHECK(hbool(v) == str(o.at("hash")));
    if (const auto* then = o.if_contains("then_choice")) {  // AR with n_ar_confidence: same rng
      const auto& t = then->as_array();
      const auto idx = rng.choice(t[0].as_int64(), static_cast<std::size_t>(t[1].as_int64() * t[2].as_int64()));
      CHECK(h64(idx.data(), idx.size()) == str(o.at("choice_hash")));
    }
    check_state(rng.bit_generator(), o.at("after"));
  }
}

TEST_CASE("numpy_random: choice(n, size, replace=True)", "[scorer][numpy]") {
  for (const auto& c : cases("choice")) {
    const auto& o = c.as_object();
    std::size_t size = 1;
    for (const auto& d : o.at("shape").as_array()) size *= static_cast<std::size_t>(d.as_int64());
    INFO("seed " << o.at("seed").as_int64() << " n " << str(o.at("n")));
    Generator rng = rng_for(o.at("seed"));
    const auto v = rng.choice(i64(o.at("n")), size);
    check_head(v, o.at("head"));
    CHECK(h64(v.data(), v.size()) == str(o.at("hash")));
    check_state(rng.bit_generator(), o.at("after"));
  }
  Generator rng = numpy::default_rng(1);
  CHECK(rng.choice(0, 0).empty());
  CHECK_THROWS_WITH(rng.choice(0, 3), "a must be a positive integer unless no samples are taken");
}

TEST_CASE("numpy_random: random() and permutation()", "[scorer][numpy]") {
  for (const auto& c : cases("random")) {
    const auto& o = c.as_object();
    Generator rng = rng_for(o.at("seed"));
    const auto v = rng.random(static_cast<std::size_t>(o.at("size").as_int64()));
    const auto& head = o.at("head").as_array();
    for (std::size_t i = 0; i < head.size(); ++i) CHECK(v[i] == num(head[i]));
    std::vector<std::uint64_t> bits(v.size());
    std::memcpy(bits.data(), v.data(), v.size() * sizeof(double));
    CHECK(h64(bits.data(), bits.size()) == str(o.at("hash")));
    check_state(rng.bit_generator(), o.at("after"));
  }
  for (const auto& c : cases("permutation")) {
    const auto& o = c.as_object();
    INFO("permutation(" << o.at("n").as_int64() << ")");
    Generator rng = rng_for(o.at("seed"));
    const auto v = rng.permutation(o.at("n").as_int64());
    check_head(v, o.at("head"));
    CHECK(h64(v.data(), v.size()) == str(o.at("hash")));
    check_state(rng.bit_generator(), o.at("after"));
  }
}

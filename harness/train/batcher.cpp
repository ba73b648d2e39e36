#include "harness/train/batcher.h"

#include <algorithm>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <stdexcept>

// Everything random here uses SplitMix64 and hand-written draws (no std::*_distribution, no
// std::shuffle): their outputs are implementation-defined, and a resumed run on another standard
// library must still draw the same batches.

namespace longtail::train {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform integer in [0, n) by Lemire's multiply-shift (bias < n/2^64: irrelevant here).
uint64_t below(uint64_t x, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

const char* kStateMagic = "ltbatcher2";   // v2: returned examples, the pool's p
const char* kStateMagicV1 = "ltbatcher1";

}  // namespace

Batcher::Batcher(ExampleLengths lengths, int64_t batch_tokens, int64_t pool_batches, uint64_t seed)
    : lengths_(std::move(lengths)), batch_tokens_(batch_tokens), pool_batches_(pool_batches), seed_(seed) {
  if (lengths_.src_len.size() != lengths_.tgt_len.size())
    throw std::invalid_argument("batcher: source and target length tables differ in languages");
  for (size_t l = 0; l < lengths_.src_len.size(); ++l)
    if (lengths_.src_len[l].size() != lengths_.tgt_len[l].size())
      throw std::invalid_argument("batcher: source and target lengths differ in size for language " + std::to_string(l));
  if (batch_tokens_ <= 0 || pool_batches_ <= 0) throw std::invalid_argument("batcher: budget and pool must be positive");
  rng_ = seed_ ^ 0x6c6f6e677461696cULL;  // "longtail": keeps the stream apart from other uses of the seed
  streams_.resize(lengths_.src_len.size());
  for (size_t l = 0; l < streams_.size(); ++l) make_permutation(static_cast<int32_t>(l));
}

uint64_t Batcher::next_u64() { return splitmix64(rng_); }

void Batcher::make_permutation(int32_t lang) {
  Stream& s = streams_[lang];
  const auto n = static_cast<int64_t>(lengths_.src_len[lang].size());
  s.perm.resize(n);
  std::iota(s.perm.begin(), s.perm.end(), int64_t{0});
  // Its own generator per (language, epoch): the permutation can be rebuilt from the saved
  // counters instead of being stored in every checkpoint.
  uint64_t st = seed_ ^ (0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(lang) + 1)) ^
                (0xd1b54a32d192ed03ULL * (static_cast<uint64_t>(s.epoch) + 1));
  for (int64_t i = n - 1; i > 0; --i) std::swap(s.perm[i], s.perm[below(splitmix64(st), static_cast<uint64_t>(i) + 1)]);
}

void Batcher::set_caps(std::vector<int64_t> caps) {
  if (!caps.empty() && caps.size() != streams_.size())
    throw std::invalid_argument("batcher: " + std::to_string(caps.size()) + " caps for " + std::to_string(streams_.size()) +
                                " languages");
  caps_ = std::move(caps);
}

int32_t Batcher::draw_language(const std::vector<double>& p) {
  // A language at its cap drops out: p is renormalised over the others.
  auto open = [&](size_t i) { return p[i] > 0 && (caps_.empty() || streams_[i].consumed < caps_[i]); };
  double total = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if (open(i)) total += p[i];
  if (!(total > 0)) return -1;  // every language with p > 0 is at its cap
  // 53 random bits → [0,1), scaled by the total so p needs no exact normalisation.
  const double u = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0) * total;
  double cum = 0;
  int32_t last = -1;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!open(i)) continue;
    cum += p[i];
    last = static_cast<int32_t>(i);
    if (u < cum) return last;
  }
  return last;  // u rounded up to the total
}

int64_t Batcher::draw_example(int32_t lang) {
  Stream& s = streams_[lang];
  if (s.perm.empty()) throw std::runtime_error("batcher: language " + std::to_string(lang) + " has no examples but p > 0");
  if (s.returned_pos < s.returned.size()) {
    s.consumed += 1;
    return s.returned[s.returned_pos++];
  }
  if (s.pos == static_cast<int64_t>(s.perm.size())) {
    s.epoch += 1;
    s.pos = 0;
    make_permutation(lang);
  }
  s.consumed += 1;
  return s.perm[s.pos++];
}

void Batcher::refill(const std::vector<double>& p) {
  if (p.size() != streams_.size())
    throw std::invalid_argument("batcher: distribution has " + std::to_string(p.size()) + " entries for " +
                                std::to_string(streams_.size()) + " languages");
  double total = 0;
  for (double x : p) {
    if (!(x >= 0)) throw std::invalid_argument("batcher: negative or NaN sampling probability");
    total += x;
  }
  if (!(total > 0)) throw std::invalid_argument("batcher: sampling distribution sums to zero");

  // 1. Draw a pool of examples: language from p, example from that language's stream.
  std::vector<Example> pool;
  const int64_t target = batch_tokens_ * pool_batches_;
  for (int64_t tokens = 0; tokens < target;) {
    Example e;
    e.lang = draw_language(p);
    if (e.lang < 0) {  // caps reached: train on what the pool holds, fail only when it is empty
      if (pool.empty()) throw std::runtime_error("batcher: every language with p > 0 has reached its example cap");
      break;
    }
    e.index = draw_example(e.lang);
    tokens += lengths_.src_len[e.lang][e.index] + lengths_.tgt_len[e.lang][e.index];
    pool.push_back(e);
  }

  // 2. Bucket by length (stable: equal lengths keep draw order, so the result is unique).
  auto src = [&](const Example& e) { return lengths_.src_len[e.lang][e.index]; };
  auto tgt = [&](const Example& e) { return lengths_.tgt_len[e.lang][e.index]; };
  std::stable_sort(pool.begin(), pool.end(), [&](const Example& a, const Example& b) {
    return src(a) != src(b) ? src(a) < src(b) : tgt(a) < tgt(b);
  });

  // 3. Cut into batches whose padded size rows × (max src + max tgt) fits the budget. A single
  //    example over the budget becomes a batch of its own rather than being dropped.
  std::vector<Batch> batches;
  Batch cur;
  int64_t max_s = 0, max_t = 0;
  for (const Example& e : pool) {
    const int64_t s = std::max<int64_t>(max_s, src(e)), t = std::max<int64_t>(max_t, tgt(e));
    const auto rows = static_cast<int64_t>(cur.examples.size()) + 1;
    if (!cur.examples.empty() && rows * (s + t) > batch_tokens_) {
      batches.push_back(std::move(cur));
      cur = Batch{};
      max_s = max_t = 0;
    }
    max_s = std::max<int64_t>(max_s, src(e));
    max_t = std::max<int64_t>(max_t, tgt(e));
    cur.examples.push_back(e);
    cur.padded_tokens = static_cast<int64_t>(cur.examples.size()) * (max_s + max_t);
  }
  if (!cur.examples.empty()) batches.push_back(std::move(cur));

  // 4. Shuffle the batches so lengths do not trend within the pool.
  for (size_t i = batches.size() - 1; i > 0; --i) std::swap(batches[i], batches[below(next_u64(), i + 1)]);
  pending_ = std::move(batches);
  pending_pos_ = 0;
  pool_p_ = p;
}

void Batcher::give_back_pending() {
  for (auto& s : streams_) {  // drop the already re-drawn prefix
    s.returned.erase(s.returned.begin(), s.returned.begin() + static_cast<std::ptrdiff_t>(s.returned_pos));
    s.returned_pos = 0;
  }
  for (size_t b = pending_pos_; b < pending_.size(); ++b)
    for (const Example& e : pending_[b].examples) {
      streams_[e.lang].returned.push_back(e.index);
      streams_[e.lang].consumed -= 1;
    }
  pending_.clear();
  pending_pos_ = 0;
}

Batch Batcher::next(const std::vector<double>& p) {
  // Exact comparison on purpose: a method returns bitwise the same p while its distribution is
  // unchanged, and any change must take effect at this step.
  if (pending_pos_ < pending_.size() && !pool_p_.empty() && p != pool_p_) give_back_pending();
  if (pending_pos_ == pending_.size()) refill(p);
  return pending_[pending_pos_++];
}

std::vector<int64_t> Batcher::consumed() const {
  std::vector<int64_t> r;
  for (const auto& s : streams_) r.push_back(s.consumed);
  return r;
}

std::vector<int64_t> Batcher::epochs() const {
  std::vector<int64_t> r;
  for (const auto& s : streams_) r.push_back(s.epoch);
  return r;
}

// Text state: the settings (checked on load, since a changed budget or seed would silently break
// the bit-for-bit resume), the generator word, each stream's counters and given-back examples,
// the p of the pool and the pending batches.
std::string Batcher::save_state() const {
  std::ostringstream o;
  o << std::setprecision(17);  // round-trips every double: pool_p_ must compare equal after a resume
  o << kStateMagic << ' ' << seed_ << ' ' << batch_tokens_ << ' ' << pool_batches_ << ' ' << streams_.size() << ' '
    << rng_ << '\n';
  for (size_t l = 0; l < streams_.size(); ++l) {
    const Stream& s = streams_[l];
    o << s.epoch << ' ' << s.pos << ' ' << s.consumed << ' ' << lengths_.src_len[l].size() << ' '
      << (s.returned.size() - s.returned_pos);
    for (size_t r = s.returned_pos; r < s.returned.size(); ++r) o << ' ' << s.returned[r];
    o << '\n';
  }
  o << pool_p_.size();
  for (double x : pool_p_) o << ' ' << x;
  o << '\n';
  o << (pending_.size() - pending_pos_) << '\n';
  for (size_t b = pending_pos_; b < pending_.size(); ++b) {
    o << pending_[b].padded_tokens << ' ' << pending_[b].examples.size();
    for (const auto& e : pending_[b].examples) o << ' ' << e.lang << ' ' << e.index;
    o << '\n';
  }
  return o.str();
}

void Batcher::load_state(const std::string& state) {
  std::istringstream in(state);
  auto fail = [](const std::string& why) { throw std::runtime_error("batcher state: " + why); };
  std::string magic;
  uint64_t seed = 0, rng = 0;
  int64_t budget = 0, pool = 0;
  size_t n_langs = 0;
  if (!(in >> magic >> seed >> budget >> pool >> n_langs >> rng) || (magic != kStateMagic && magic != kStateMagicV1))
    fail("unreadable header");
  const bool v1 = magic == kStateMagicV1;
  if (seed != seed_ || budget != batch_tokens_ || pool != pool_batches_)
    fail("saved with seed/batch_tokens/pool_batches " + std::to_string(seed) + "/" + std::to_string(budget) + "/" +
         std::to_string(pool) + ", resumed with " + std::to_string(seed_) + "/" + std::to_string(batch_tokens_) + "/" +
         std::to_string(pool_batches_));
  if (n_langs != streams_.size()) fail("saved for " + std::to_string(n_langs) + " languages");
  std::vector<Stream> streams(n_langs);
  for (size_t l = 0; l < n_langs; ++l) {
    size_t n = 0;
    if (!(in >> streams[l].epoch >> streams[l].pos >> streams[l].consumed >> n)) fail("truncated streams");
    if (n != lengths_.src_len[l].size())
      fail("language " + std::to_string(l) + " had " + std::to_string(n) + " examples, now " +
           std::to_string(lengths_.src_len[l].size()));
    if (streams[l].pos < 0 || streams[l].pos > static_cast<int64_t>(n)) fail("bad stream position");
    size_t n_returned = 0;
    if (!v1 && !(in >> n_returned)) fail("truncated streams");
    streams[l].returned.resize(n_returned);
    for (auto& idx : streams[l].returned)
      if (!(in >> idx) || idx < 0 || idx >= static_cast<int64_t>(n)) fail("bad returned example");
  }
  std::vector<double> pool_p;
  if (!v1) {
    size_t n_p = 0;
    if (!(in >> n_p) || (n_p != 0 && n_p != n_langs)) fail("bad pool distribution");
    pool_p.resize(n_p);
    for (double& x : pool_p)
      if (!(in >> x)) fail("truncated pool distribution");
  }
  size_t n_pending = 0;
  if (!(in >> n_pending)) fail("truncated pending batches");
  std::vector<Batch> pending(n_pending);
  for (auto& b : pending) {
    size_t rows = 0;
    if (!(in >> b.padded_tokens >> rows)) fail("truncated batch");
    b.examples.resize(rows);
    for (auto& e : b.examples) {
      if (!(in >> e.lang >> e.index)) fail("truncated batch");
      if (e.lang < 0 || static_cast<size_t>(e.lang) >= n_langs || e.index < 0 ||
          e.index >= static_cast<int64_t>(lengths_.src_len[e.lang].size()))
        fail("example out of range");
    }
  }
  rng_ = rng;
  streams_ = std::move(streams);
  for (size_t l = 0; l < streams_.size(); ++l) make_permutation(static_cast<int32_t>(l));
  pending_ = std::move(pending);
  pending_pos_ = 0;
  pool_p_ = std::move(pool_p);  // empty for a v1 state: its pool is kept whatever p comes next, as v1 did
}

double mean_batch_tokens(const ExampleLengths& lengths, int64_t batch_tokens, int64_t pool_batches, const std::vector<double>& p,
                         uint64_t seed, int64_t batches) {
  Batcher b(lengths, batch_tokens, pool_batches, seed);
  double total = 0;
  for (int64_t i = 0; i < batches; ++i)
    for (const Example& e : b.next(p).examples) total += lengths.src_len[e.lang][e.index] + lengths.tgt_len[e.lang][e.index];
  return batches > 0 ? total / static_cast<double>(batches) : 0.0;
}

}  // namespace longtail::train

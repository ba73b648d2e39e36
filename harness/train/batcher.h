// Language-sampled, token-budget, length-bucketed batches (pure C++; no LibTorch).
//
// Each refill draws `pool_batches × batch_tokens` worth of examples: the language of every
// example is drawn from the method's distribution p_t, the example itself is the next one of that
// language's seeded stream (a permutation re-shuffled every epoch). The pool is sorted by length,
// cut into batches whose padded token count (rows × (max src len + max tgt len)) stays within the
// budget, and the batches are shuffled. All state (RNG, per-language permutation positions and
// epochs, pending batches) is serialisable so a resumed run continues bit for bit.
//
// When p changes (a schedule's switch, a linear schedule every step) the batches still pending
// were drawn from the old p: they are given back — their examples go to the front of their
// language's stream, to be drawn first the next time that language is drawn — and the pool is
// redrawn from the new p. So a switch takes effect at exactly the step it names and no example
// is skipped. Per-language caps (UniMax's epochs) bound the examples drawn over the run: a
// language at its cap gets probability 0 from then on.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace longtail::train {

struct Example {
  int32_t lang;   // index into the training languages
  int64_t index;  // index into that language's training subset
};

struct Batch {
  std::vector<Example> examples;
  int64_t padded_tokens = 0;
};

// Length of an example as the batcher sees it: (source tokens, target tokens) incl. specials.
struct ExampleLengths {
  std::vector<std::vector<int32_t>> src_len, tgt_len;  // [lang][index]
};

class Batcher {
 public:
  Batcher(ExampleLengths lengths, int64_t batch_tokens, int64_t pool_batches, uint64_t seed);

  // Next batch, refilling the pool from distribution p (over languages) when it is empty or was
  // drawn from a different p.
  Batch next(const std::vector<double>& p);

  // Most examples ever drawn per language (empty = none). Not part of the state: the method sets
  // the same caps again on resume.
  void set_caps(std::vector<int64_t> caps);

  // Examples consumed per language and completed epochs per language (diagnostics).
  std::vector<int64_t> consumed() const;
  std::vector<int64_t> epochs() const;

  // Exact state, for checkpoints.
  std::string save_state() const;
  void load_state(const std::string& s);

 private:
  struct Stream {                // one language's example stream
    int64_t epoch = 0;            // completed passes over the language's examples
    int64_t pos = 0;              // position in this epoch's permutation
    int64_t consumed = 0;
    std::vector<int64_t> perm;    // permutation of this epoch: a function of (seed, lang, epoch)
    std::vector<int64_t> returned;  // examples given back by a redrawn pool, drawn first (in order)
    size_t returned_pos = 0;
  };
  void give_back_pending();
  void refill(const std::vector<double>& p);
  int32_t draw_language(const std::vector<double>& p);
  int64_t draw_example(int32_t lang);
  void make_permutation(int32_t lang);
  uint64_t next_u64();            // SplitMix64: portable, one word of state

  ExampleLengths lengths_;
  int64_t batch_tokens_, pool_batches_;
  uint64_t seed_, rng_;
  std::vector<Stream> streams_;
  std::vector<Batch> pending_;    // shuffled batches of the current pool, consumed from pending_pos_
  size_t pending_pos_ = 0;
  std::vector<double> pool_p_;    // the p the pending pool was drawn from
  std::vector<int64_t> caps_;
};

// Mean source + target tokens (without padding) of a batch that a batcher with these settings
// draws from distribution p, over the first `batches` batches of a batcher seeded with `seed`: the
// real tokens one training step holds. The padded budget batch_tokens overstates them by the
// padding and by the unfilled end of each batch (UniMax's budget counts real tokens).
double mean_batch_tokens(const ExampleLengths& lengths, int64_t batch_tokens, int64_t pool_batches, const std::vector<double>& p,
                         uint64_t seed, int64_t batches);

}  // namespace longtail::train

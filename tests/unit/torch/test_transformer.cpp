// The Transformer: shapes, masking, incremental decoding, and the per-language loss.
#include <torch/torch.h>

#include <cmath>

#include "harness/model/transformer.h"
#include "catch_torch.h"  // last: see there

using namespace longtail::model;

namespace {

ModelConfig small_config() {
  ModelConfig c{};
  c.name = "test";
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.d_model = 16;
  c.ffn_dim = 32;
  c.heads = 4;
  c.dropout = 0.1;
  c.attention_dropout = 0.1;
  c.max_positions = 32;
  return c;
}

constexpr int64_t kVocab = 23, kPad = 0;

// Random token ids in [4, V) with the given lengths, right-padded.
torch::Tensor random_tokens(const std::vector<int64_t>& lens) {
  const int64_t width = *std::max_element(lens.begin(), lens.end());
  auto t = torch::randint(4, kVocab, {static_cast<int64_t>(lens.size()), width}, torch::kLong);
  for (size_t i = 0; i < lens.size(); ++i)
    t.index_put_({static_cast<int64_t>(i), torch::indexing::Slice(lens[i])}, kPad);
  return t;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST_CASE("transformer: output shapes and shared embeddings", "[transformer]") {
  torch::manual_seed(1);
  Transformer m(small_config(), kVocab, kPad);
  auto src = random_tokens({5, 3, 7});
  auto tgt = random_tokens({4, 6, 2});
  auto logits = m->forward(src, tgt);
  CHECK((logits.sizes() == std::vector<int64_t>{3, 6, kVocab}));
  auto enc = m->encode(src);
  CHECK((enc.memory.sizes() == std::vector<int64_t>{3, 7, 16}));
  CHECK((enc.src_mask.sizes() == std::vector<int64_t>{3, 1, 1, 7}));
  // One embedding matrix: source, target and output projection.
  int64_t n_embedding = 0;
  for (const auto& p : m->named_parameters())
    if (p.key().find("embedding") != std::string::npos) ++n_embedding;
  CHECK(n_embedding == 1);
  CHECK(m->named_parameters()["embedding.weight"][kPad].abs().sum().item<double>() == 0.0);
  CHECK(m->named_buffers().contains("positions"));
}

TEST_CASE("transformer: too long sequences are rejected clearly", "[transformer]") {
  Transformer m(small_config(), kVocab, kPad);
  auto src = torch::full({1, 40}, 5, torch::kLong);
  CHECK_THROWS_WITH(m->encode(src), Catch::Contains("max_positions"));
}

TEST_CASE("transformer: padding does not change the output of real positions", "[transformer]") {
  torch::manual_seed(2);
  Transformer m(small_config(), kVocab, kPad);
  m->eval();
  torch::NoGradGuard no_grad;
  auto src = random_tokens({5});
  auto tgt = random_tokens({4});
  auto padded_src = torch::cat({src, torch::full({1, 3}, kPad, torch::kLong)}, 1);
  auto padded_tgt = torch::cat({tgt, torch::full({1, 2}, kPad, torch::kLong)}, 1);
  auto a = m->forward(src, tgt);
  auto b = m->forward(padded_src, padded_tgt).narrow(1, 0, 4);
  CHECK(max_diff(a, b) < 1e-5);
}

TEST_CASE("transformer: incremental decoding equals the full forward pass", "[transformer][peft]") {
  // The plain model, and with LoRA on every projection and adapters, their zero-initialised halves
  // made non-zero as after training.
  ModelConfig peft = small_config();
  peft.lora_rank = 3;
  peft.lora_targets = lora_target_names();
  peft.adapter_dim = 5;
  for (const ModelConfig& cfg : {small_config(), peft}) {
    INFO("lora_rank " << cfg.lora_rank << ", adapter_dim " << cfg.adapter_dim);
    torch::manual_seed(3);
    Transformer m(cfg, kVocab, kPad);
    m->eval();
    torch::NoGradGuard no_grad;
    for (const auto& p : m->named_parameters())
      if (p.key().find(".lora_b") != std::string::npos || p.key().find(".up.") != std::string::npos)
        p.value().normal_(0.0, 0.2);
    auto src = random_tokens({6, 2, 5});
    auto tgt = torch::randint(4, kVocab, {3, 7}, torch::kLong);  // decoder inputs, no padding
    auto full = m->forward(src, tgt);
    auto st = m->start_decoding(m->encode(src));
    for (int64_t t = 0; t < tgt.size(1); ++t) {
      auto step_logits = m->decode_step(tgt.select(1, t), st);
      CHECK(max_diff(step_logits, full.select(1, t)) < 1e-4);
    }
    CHECK(st.length == 7);
  }
}

TEST_CASE("transformer: DecoderState::select reorders rows", "[transformer]") {
  torch::manual_seed(4);
  Transformer m(small_config(), kVocab, kPad);
  m->eval();
  torch::NoGradGuard no_grad;
  auto src = random_tokens({6, 3});
  auto prev = torch::tensor({5, 9}, torch::kLong);
  auto st = m->start_decoding(m->encode(src));
  auto a = m->decode_step(prev, st);
  // Swap the rows and continue: row 0 now continues sentence 1.
  st.select(torch::tensor({1, 0}, torch::kLong));
  auto b = m->decode_step(torch::tensor({7, 7}, torch::kLong), st);
  auto st2 = m->start_decoding(m->encode(src.index_select(0, torch::tensor({1}, torch::kLong))));
  m->decode_step(torch::tensor({9}, torch::kLong), st2);
  auto c = m->decode_step(torch::tensor({7}, torch::kLong), st2);
  CHECK(max_diff(b[0], c[0]) < 1e-4);
}

TEST_CASE("transformer: dropout is active in training only", "[transformer]") {
  torch::manual_seed(5);
  Transformer m(small_config(), kVocab, kPad);
  auto src = random_tokens({5});
  auto tgt = random_tokens({4});
  m->train();
  torch::manual_seed(10);
  auto a = m->forward(src, tgt);
  torch::manual_seed(10);
  auto b = m->forward(src, tgt);
  auto c = m->forward(src, tgt);
  CHECK(torch::equal(a, b));        // seeded
  CHECK(max_diff(a, c) > 1e-4);     // different draws
  m->eval();
  CHECK(torch::equal(m->forward(src, tgt), m->forward(src, tgt)));
}

TEST_CASE("loss: label-smoothed cross-entropy matches a hand computation", "[loss]") {
  // Two examples, vocabulary 4, pad 0. Example 0 has targets {2, 3}; example 1 {1, pad}.
  auto logits = torch::tensor({1.0, 2.0, 0.5, -1.0, 0.0, 0.0, 3.0, 1.0, 0.3, 0.2, 0.1, 0.4, 9.0, 9.0, 9.0, 9.0})
                    .view({2, 2, 4});
  auto target = torch::tensor({2, 3, 1, 0}, torch::kLong).view({2, 2});
  const double eps = 0.1;
  auto ex = label_smoothed_loss(logits, target, 0, eps);

  auto a = logits.accessor<float, 3>();
  auto t = target.accessor<int64_t, 2>();
  std::vector<double> want_loss(2, 0.0), want_nll(2, 0.0), want_tok(2, 0.0);
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < 2; ++j) {
      if (t[b][j] == 0) continue;
      double z = 0;
      for (int v = 0; v < 4; ++v) z += std::exp(a[b][j][v]);
      double nll = 0, loss = 0;
      for (int v = 0; v < 4; ++v) {
        const double logp = a[b][j][v] - std::log(z);
        const double q = v == t[b][j] ? 1 - eps : eps / 3;  // ε spread over the V-1 other tokens
        loss -= q * logp;
        if (v == t[b][j]) nll = -logp;
      }
      want_loss[b] += loss;
      want_nll[b] += nll;
      want_tok[b] += 1;
    }
  for (int b = 0; b < 2; ++b) {
    CHECK(ex.loss[b].item<double>() == Approx(want_loss[b]).epsilon(1e-5));
    CHECK(ex.nll[b].item<double>() == Approx(want_nll[b]).epsilon(1e-5));
    CHECK(ex.tokens[b].item<double>() == want_tok[b]);
  }
  // ε = 0 is the plain NLL.
  auto plain = label_smoothed_loss(logits, target, 0, 0.0);
  CHECK(max_diff(plain.loss, plain.nll) < 1e-6);
}

TEST_CASE("loss: sums per language", "[loss]") {
  auto per_example = torch::tensor({1.0, 2.0, 4.0, 8.0, 16.0});
  auto lang = torch::tensor({2, 0, 2, 1, 0}, torch::kLong);
  auto s = sum_by_language(per_example, lang, 4);
  CHECK(s.sizes() == std::vector<int64_t>{4});
  CHECK(s[0].item<double>() == 18.0);
  CHECK(s[1].item<double>() == 8.0);
  CHECK(s[2].item<double>() == 5.0);
  CHECK(s[3].item<double>() == 0.0);
}

TEST_CASE("positions: sinusoids in fairseq's layout", "[transformer]") {
  auto p = sinusoidal_positions(10, 8);
  CHECK((p.sizes() == std::vector<int64_t>{10, 8}));
  CHECK(p[0][0].item<double>() == 0.0);  // sin(0)
  CHECK(p[0][4].item<double>() == 1.0);  // cos(0)
  CHECK(p[3][0].item<double>() == Approx(std::sin(3.0)));
}

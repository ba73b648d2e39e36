// Parameter-efficient updates in the model: LoRA and bottleneck adapters start as the identity and
// leave the base parameters' draws alone, LoRA merges into the base weights, and the parameter
// sets "lora" / "adapter" select exactly their tensors.
#include <torch/torch.h>

#include <set>
#include <string>
#include <vector>

#include "harness/model/transformer.h"
#include "harness/train/step_hook.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
using namespace longtail::model;

namespace {

constexpr int64_t kVocab = 29, kPad = 0;

ModelConfig plain_config() {
  ModelConfig c{};
  c.name = "test";
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.d_model = 16;
  c.ffn_dim = 24;
  c.heads = 4;
  c.dropout = 0.1;
  c.attention_dropout = 0.1;
  c.max_positions = 32;
  return c;
}

ModelConfig peft_config(int64_t rank, int64_t adapter_dim, std::vector<std::string> targets = lora_target_names()) {
  ModelConfig c = plain_config();
  c.lora_rank = rank;
  c.lora_alpha = 8.0;
  c.lora_targets = std::move(targets);
  c.adapter_dim = adapter_dim;
  return c;
}

torch::Tensor tokens(int64_t rows, int64_t width) { return torch::randint(4, kVocab, {rows, width}, torch::kLong); }

train::NamedTensors named(Transformer& m) {
  train::NamedTensors out;
  for (const auto& item : m->named_parameters(true)) out.emplace_back(item.key(), item.value());
  return out;
}

// What training would have made of the zero-initialised halves: LoRA's B and the adapters' up
// projections random, so the updates are no longer zero.
void perturb_updates(Transformer& m, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& [name, p] : named(m))
    if (name.find(".lora_b") != std::string::npos || name.find(".up.") != std::string::npos) {
      auto r = torch::randn(p.sizes(), gen) * 0.2;
      const_cast<torch::Tensor&>(p).copy_(r);
    }
}

}  // namespace

TEST_CASE("peft: LoRA and adapters come after the base parameters, which are drawn as without them", "[peft]") {
  torch::manual_seed(11);
  Transformer plain(plain_config(), kVocab, kPad);
  torch::manual_seed(11);
  Transformer peft(peft_config(4, 6), kVocab, kPad);
  const auto a = named(plain), b = named(peft);
  REQUIRE(b.size() > a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    CHECK(b[i].first == a[i].first);
    CHECK(torch::equal(b[i].second, a[i].second));
  }
  size_t lora = 0, adapter = 0;
  for (size_t i = a.size(); i < b.size(); ++i) {
    const std::string& n = b[i].first;
    if (n.rfind("lora.", 0) == 0) ++lora;
    if (n.rfind("adapter.", 0) == 0) ++adapter;
    if (n.find(".lora_b") != std::string::npos) CHECK(b[i].second.abs().sum().item<double>() == 0.0);
    if (n.find(".lora_a") != std::string::npos) CHECK(b[i].second.abs().sum().item<double>() > 0.0);
  }
  // Every target in every layer: encoder 4 self + 2 FFN sites, decoder 4 self + 4 cross + 2 FFN, 2 each.
  CHECK(lora == 2 * (2 * 6 + 2 * 10));
  CHECK(adapter == 4 * 6);  // per layer: LN weight, bias, down weight, bias, up weight, bias
  CHECK(peft->has_lora());
  CHECK(peft->has_adapters());
  CHECK_FALSE(plain->has_lora());
  CHECK_FALSE(plain->has_adapters());
}

TEST_CASE("peft: fresh LoRA and adapters compute the base model's output bit for bit", "[peft]") {
  for (const auto& cfg : {peft_config(4, 0), peft_config(2, 0, {"attn_q", "attn_v"}), peft_config(0, 6), peft_config(3, 5)}) {
    INFO("lora_rank " << cfg.lora_rank << ", " << cfg.lora_targets.size() << " targets, adapter_dim " << cfg.adapter_dim);
    torch::manual_seed(12);
    Transformer plain(plain_config(), kVocab, kPad);
    torch::manual_seed(12);
    Transformer peft(cfg, kVocab, kPad);
    torch::manual_seed(3);
    const auto src = tokens(3, 7), tgt = tokens(3, 5);
    {
      plain->eval();
      peft->eval();
      torch::NoGradGuard no_grad;
      CHECK(torch::equal(plain->forward(src, tgt), peft->forward(src, tgt)));
    }
    // Training mode: the same dropout draws in the same order (the updates draw none).
    plain->train();
    peft->train();
    torch::manual_seed(4);
    const auto ya = plain->forward(src, tgt);
    torch::manual_seed(4);
    const auto yb = peft->forward(src, tgt);
    CHECK(torch::equal(ya, yb));
  }
}

TEST_CASE("peft: merge_lora folds the update into the base weights and leaves the base names", "[peft]") {
  for (const int64_t adapter_dim : {int64_t{0}, int64_t{5}}) {
    INFO("adapter_dim " << adapter_dim);
    torch::manual_seed(13);
    Transformer m(peft_config(3, adapter_dim), kVocab, kPad);
    perturb_updates(m, 99);
    m->eval();
    torch::NoGradGuard no_grad;
    torch::manual_seed(5);
    const auto src = tokens(4, 6), tgt = tokens(4, 8);
    const auto before = m->forward(src, tgt);
    m->merge_lora();
    CHECK_FALSE(m->has_lora());
    CHECK(m->has_adapters() == (adapter_dim > 0));
    const auto after = m->forward(src, tgt);
    const double scale = before.abs().max().item<double>();
    CHECK((after - before).abs().max().item<double>() <= 1e-5 * scale);

    // Exactly the parameters of the model without LoRA, and a config that builds it.
    CHECK(m->config().lora_rank == 0);
    CHECK_FALSE(to_json(m->config()).contains("lora_rank"));
    Transformer fresh(m->config(), kVocab, kPad);
    const auto merged = named(m), base = named(fresh);
    REQUIRE(merged.size() == base.size());
    for (size_t i = 0; i < base.size(); ++i) {
      CHECK(merged[i].first == base[i].first);
      const_cast<torch::Tensor&>(base[i].second).copy_(merged[i].second);
    }
    fresh->eval();
    CHECK(torch::equal(fresh->forward(src, tgt), after));
    m->merge_lora();  // nothing left to merge
    CHECK(torch::equal(m->forward(src, tgt), after));
  }
}

TEST_CASE("peft: the merged update is the trained one, not a no-op", "[peft]") {
  torch::manual_seed(14);
  Transformer plain(plain_config(), kVocab, kPad);
  torch::manual_seed(14);
  Transformer m(peft_config(2, 0), kVocab, kPad);
  perturb_updates(m, 7);
  m->merge_lora();
  plain->eval();
  m->eval();
  torch::NoGradGuard no_grad;
  const auto src = tokens(2, 5), tgt = tokens(2, 4);
  CHECK((plain->forward(src, tgt) - m->forward(src, tgt)).abs().max().item<double>() > 1e-3);
  // Only the targeted weights moved; with every target that is all projections, but no LN or embedding.
  const auto a = named(plain), b = named(m);
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    const bool projection_weight = a[i].first.find("proj.weight") != std::string::npos ||
                                   a[i].first.find(".fc1.weight") != std::string::npos ||
                                   a[i].first.find(".fc2.weight") != std::string::npos;
    CHECK(torch::equal(a[i].second, b[i].second) == !projection_weight);
  }
}

TEST_CASE("peft: LoRA merges into the right rows of the fused projections", "[peft]") {
  // One target at a time: only its rows of the fused q/k/v (self) or k/v (cross) weight change.
  const int64_t d = plain_config().d_model;
  struct Case {
    const char* target;
    int64_t self_first, cross_first;  // first changed row in in_proj / kv_proj (-1: q_proj / none)
  };
  for (const Case& c : {Case{"attn_q", 0, -1}, Case{"attn_k", d, 0}, Case{"attn_v", 2 * d, d}}) {
    INFO(c.target);
    torch::manual_seed(15);
    Transformer plain(plain_config(), kVocab, kPad);
    torch::manual_seed(15);
    Transformer m(peft_config(2, 0, {c.target}), kVocab, kPad);
    perturb_updates(m, 8);
    m->merge_lora();
    auto pa = plain->named_parameters(true), pb = m->named_parameters(true);
    auto changed_rows = [&](const std::string& name) {
      auto diff = (pa[name] - pb[name]).abs().sum(1).ne(0).nonzero().view(-1);
      return std::vector<int64_t>(diff.data_ptr<int64_t>(), diff.data_ptr<int64_t>() + diff.numel());
    };
    std::vector<int64_t> self_rows, cross_rows, q_rows;
    for (int64_t r = 0; r < d; ++r) self_rows.push_back(c.self_first + r);
    const auto self = changed_rows("encoder_layers.0.attn.in_proj.weight");
    CHECK(self == self_rows);
    CHECK(changed_rows("decoder_layers.1.self_attn.in_proj.weight") == self_rows);
    const auto cross_kv = changed_rows("decoder_layers.0.cross_attn.kv_proj.weight");
    const auto cross_q = changed_rows("decoder_layers.0.cross_attn.q_proj.weight");
    if (c.cross_first < 0) {
      CHECK(cross_kv.empty());
      CHECK(cross_q.size() == static_cast<size_t>(d));
    } else {
      CHECK(cross_q.empty());
      CHECK(cross_kv.front() == c.cross_first);
      CHECK(cross_kv.size() == static_cast<size_t>(d));
    }
    CHECK(changed_rows("decoder_layers.0.cross_attn.out_proj.weight").empty());
  }
}

TEST_CASE("peft: parameter sets lora and adapter select exactly those tensors", "[peft]") {
  torch::manual_seed(16);
  Transformer m(peft_config(2, 4, {"attn_q", "attn_v"}), kVocab, kPad);
  const auto all = named(m);
  const auto lora = train::select_parameters(all, "lora");
  const auto adapter = train::select_parameters(all, "adapter");
  std::set<std::string> lora_names, adapter_names;
  for (const auto& [n, p] : lora) lora_names.insert(n);
  for (const auto& [n, p] : adapter) adapter_names.insert(n);
  // q and v: encoder self (2 sites), decoder self + cross (4 sites), A and B each, 2 + 2 layers.
  CHECK(lora.size() == 2 * (2 * 2 + 2 * 4));
  CHECK(adapter.size() == 4 * 6);
  for (const auto& [n, p] : all) {
    INFO(n);
    const bool is_lora = n.find(".lora_a") != std::string::npos || n.find(".lora_b") != std::string::npos;
    CHECK(lora_names.count(n) == (is_lora ? 1u : 0u));
    CHECK(adapter_names.count(n) == (n.rfind("adapter.", 0) == 0 ? 1u : 0u));
  }
  CHECK(lora_names.count("lora.decoder.1.cross_v.lora_b") == 1);
  CHECK(adapter_names.count("adapter.encoder.0.up.weight") == 1);
  // The other scopes keep their meaning: LoRA and adapters belong to no stack.
  for (const auto& [n, p] : train::select_parameters(all, "decoder")) CHECK(n.rfind("decoder_", 0) == 0);
  CHECK(train::select_parameters(all, "all").size() == all.size());

  torch::manual_seed(16);
  Transformer plain(plain_config(), kVocab, kPad);
  CHECK_THROWS_WITH(train::select_parameters(named(plain), "lora"), Catch::Contains("lora_rank"));
  CHECK_THROWS_WITH(train::select_parameters(named(plain), "adapter"), Catch::Contains("adapter_dim"));
}

TEST_CASE("peft: only the update's parameters get gradients when the base is frozen", "[peft]") {
  torch::manual_seed(17);
  Transformer m(peft_config(2, 4, {"attn_q", "attn_v", "ffn_out"}), kVocab, kPad);
  perturb_updates(m, 3);
  const auto all = named(m);
  std::set<std::string> trainable;
  for (const auto& [n, p] : train::select_parameters(all, "lora")) trainable.insert(n);
  for (const auto& [n, p] : train::select_parameters(all, "adapter")) trainable.insert(n);
  for (const auto& [n, p] : all) const_cast<torch::Tensor&>(p).set_requires_grad(trainable.count(n) > 0);
  const auto src = tokens(2, 5), tgt = tokens(2, 6);
  m->forward(src, tgt).pow(2).mean().backward();
  for (const auto& [n, p] : all) {
    INFO(n);
    if (trainable.count(n)) {
      REQUIRE(p.grad().defined());
      CHECK(p.grad().abs().sum().item<double>() > 0.0);
    } else {
      CHECK_FALSE(p.grad().defined());
    }
  }
}

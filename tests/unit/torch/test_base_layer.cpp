// BASE layers: the balanced assignment against exact solvers, greedy inference, the layer's
// algebra (E = 1, identity at init, upcycling) and its place in the Transformer.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "harness/model/balanced_assignment.h"
#include "harness/model/base_layer.h"
#include "harness/model/transformer.h"
#include "catch_torch.h"  // last: see there

using namespace longtail::model;

namespace {

using Matrix = std::vector<std::vector<double>>;

// Minimum-cost assignment of n rows to distinct columns of an n×m cost matrix (n ≤ m), O(n²m):
// the Hungarian algorithm with potentials. Returns the minimal total cost.
double hungarian_min_cost(const Matrix& cost) {
  const size_t n = cost.size(), m = cost[0].size();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
  std::vector<size_t> match(m + 1, 0), way(m + 1, 0);  // match[j]: row (1-based) in column j
  for (size_t i = 1; i <= n; ++i) {
    match[0] = i;
    size_t j0 = 0;
    std::vector<double> minv(m + 1, inf);
    std::vector<bool> used(m + 1, false);
    do {
      used[j0] = true;
      const size_t i0 = match[j0];
      double delta = inf;
      size_t j1 = 0;
      for (size_t j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= m; ++j) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (match[j0] != 0);
    do {
      const size_t j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  double total = 0.0;
  for (size_t j = 1; j <= m; ++j)
    if (match[j] != 0) total += cost[match[j] - 1][j - 1];
  return total;
}

// The best Σ s with each expert taking at most `capacity` tokens: every expert expanded into
// `capacity` slots, maximum = −(minimum of −s).
double optimum_by_hungarian(const torch::Tensor& scores, int64_t capacity) {
  const auto s = scores.to(torch::kDouble).contiguous();
  const auto a = s.accessor<double, 2>();
  Matrix cost(static_cast<size_t>(s.size(0)));
  for (int64_t t = 0; t < s.size(0); ++t)
    for (int64_t e = 0; e < s.size(1); ++e)
      for (int64_t c = 0; c < capacity; ++c) cost[static_cast<size_t>(t)].push_back(-a[t][e]);
  return -hungarian_min_cost(cost);
}

// Every labelling of the tokens with exactly T/E tokens per expert, tried.
double optimum_by_brute_force(const torch::Tensor& scores) {
  const auto s = scores.to(torch::kDouble).contiguous();
  const auto a = s.accessor<double, 2>();
  const int64_t t_n = s.size(0), e_n = s.size(1), k = t_n / e_n;
  int64_t combos = 1;
  for (int64_t t = 0; t < t_n; ++t) combos *= e_n;
  double best = -std::numeric_limits<double>::infinity();
  for (int64_t code = 0; code < combos; ++code) {
    std::vector<int64_t> load(static_cast<size_t>(e_n), 0);
    double total = 0.0;
    int64_t c = code;
    for (int64_t t = 0; t < t_n; ++t, c /= e_n) {
      load[static_cast<size_t>(c % e_n)] += 1;
      total += a[t][c % e_n];
    }
    if (std::all_of(load.begin(), load.end(), [&](int64_t l) { return l == k; })) best = std::max(best, total);
  }
  return best;
}

struct Checked {
  double total = 0.0;  // Σ s of the assignment
  double eps = 0.0;    // the auction's ε
  std::vector<int64_t> load;
};

// Runs route_balanced and checks that it is a valid assignment with every expert holding exactly
// ⌈T/E⌉ slots (dummies are indices ≥ T).
Checked run_and_check(const torch::Tensor& scores) {
  const int64_t t_n = scores.size(0), e_n = scores.size(1);
  const int64_t slots = (t_n + e_n - 1) / e_n;
  const auto r = route_balanced(scores);
  REQUIRE(r.order.size(0) == slots * e_n);
  // A permutation of all slots: each real token exactly once.
  CHECK(std::get<0>(r.order.sort()).equal(torch::arange(slots * e_n)));
  Checked out;
  out.eps = std::max((scores.max() - scores.min()).item<double>() / 50.0, 1e-4);
  const auto order = r.order.accessor<int64_t, 1>();
  const auto s = scores.to(torch::kDouble).contiguous();
  const auto a = s.accessor<double, 2>();
  out.load.assign(static_cast<size_t>(e_n), 0);
  for (int64_t e = 0; e < e_n; ++e)
    for (int64_t i = 0; i < slots; ++i) {
      const int64_t t = order[e * slots + i];
      if (t >= t_n) continue;
      out.total += a[t][e];
      out.load[static_cast<size_t>(e)] += 1;
    }
  return out;
}

ModelConfig sparse_config(int64_t experts, double dense_pretrain = 0.0) {
  ModelConfig c{};
  c.name = "test";
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.d_model = 16;
  c.ffn_dim = 32;
  c.heads = 4;
  c.dropout = 0.0;
  c.attention_dropout = 0.0;
  c.max_positions = 32;
  c.experts = experts;
  c.base_layers = experts > 0 ? 1 : 0;
  c.dense_pretrain = dense_pretrain;
  return c;
}

constexpr int64_t kVocab = 23, kPad = 0;

torch::Tensor random_tokens(const std::vector<int64_t>& lens) {
  const int64_t width = *std::max_element(lens.begin(), lens.end());
  auto t = torch::randint(4, kVocab, {static_cast<int64_t>(lens.size()), width}, torch::kLong);
  for (size_t i = 0; i < lens.size(); ++i) t.index_put_({static_cast<int64_t>(i), torch::indexing::Slice(lens[i])}, kPad);
  return t;
}

// Gives every expert different, non-trivial weights (a fresh layer's FF2 is zero).
void randomise(BaseLayer& layer) {
  torch::NoGradGuard no_grad;
  for (auto& p : layer->parameters()) p.normal_(0.0, 0.3);
}

// Expert e of `layer` applied to rows h [n, d] on their own (a plain loop, for reference).
torch::Tensor expert_reference(BaseLayer& layer, int64_t e, const torch::Tensor& h) {
  auto y = h;
  for (const auto& p : layer->named_children())
    if (p.key() == "experts")
      for (const auto& m : *std::dynamic_pointer_cast<torch::nn::ModuleListImpl>(p.value())) {
        auto* sub = m->as<ExpertSublayer>();
        auto z = torch::layer_norm(y, {y.size(1)}) * sub->ln_weight[e] + sub->ln_bias[e];
        auto hidden = torch::relu(torch::matmul(z, sub->fc1_weight[e]) + sub->fc1_bias[e]);
        y = y + torch::matmul(hidden, sub->fc2_weight[e]) + sub->fc2_bias[e];
      }
  return y;
}

}  // namespace

TEST_CASE("balanced assignment: exact on tiny problems (brute force)", "[base_layer]") {
  torch::manual_seed(11);
  for (const auto& shape : std::vector<std::pair<int64_t, int64_t>>{{4, 2}, {6, 2}, {6, 3}, {8, 2}, {8, 4}, {9, 3}}) {
    for (int trial = 0; trial < 5; ++trial) {
      const auto scores = torch::randn({shape.first, shape.second});
      const auto r = run_and_check(scores);
      for (auto l : r.load) CHECK(l == shape.first / shape.second);
      const double best = optimum_by_brute_force(scores);
      CHECK(r.total <= best + 1e-5);
      CHECK(r.total >= best - shape.first * r.eps - 1e-5);
    }
  }
}

TEST_CASE("balanced assignment: within T·ε of the Hungarian optimum on random problems", "[base_layer]") {
  torch::manual_seed(12);
  for (const auto& shape : std::vector<std::pair<int64_t, int64_t>>{{16, 2}, {24, 4}, {32, 8}, {48, 3}, {64, 8}}) {
    for (int trial = 0; trial < 4; ++trial) {
      // Scores as the layer makes them (token · centroid), and plain Gaussian ones.
      const auto scores = trial % 2 == 0 ? torch::randn({shape.first, shape.second})
                                         : torch::matmul(torch::randn({shape.first, 16}), torch::randn({16, shape.second}) * 0.1);
      const auto r = run_and_check(scores);
      for (auto l : r.load) CHECK(l == shape.first / shape.second);
      const double best = optimum_by_hungarian(scores, shape.first / shape.second);
      CHECK(r.total <= best + 1e-4);
      CHECK(r.total >= best - shape.first * r.eps - 1e-4);
    }
  }
}

TEST_CASE("balanced assignment: T not divisible by E pads with neutral dummies", "[base_layer]") {
  torch::manual_seed(13);
  for (const auto& shape : std::vector<std::pair<int64_t, int64_t>>{{7, 2}, {10, 4}, {13, 3}, {29, 8}, {5, 8}}) {
    const int64_t t_n = shape.first, e_n = shape.second, slots = (t_n + e_n - 1) / e_n;
    const auto scores = torch::randn({t_n, e_n});
    const auto r = run_and_check(scores);
    int64_t total_load = 0;
    for (auto l : r.load) {
      CHECK(l <= slots);
      total_load += l;
    }
    CHECK(total_load == t_n);
    // Optimal among assignments with at most ⌈T/E⌉ tokens per expert.
    const double best = optimum_by_hungarian(scores, slots);
    CHECK(r.total <= best + 1e-4);
    CHECK(r.total >= best - slots * e_n * r.eps - 1e-4);
  }
}

TEST_CASE("balanced assignment: ties, one expert and non-finite scores", "[base_layer]") {
  auto r = run_and_check(torch::zeros({12, 4}));  // every assignment optimal; must still be valid
  for (auto l : r.load) CHECK(l == 3);
  r = run_and_check(torch::randn({5, 1}));
  CHECK(r.load[0] == 5);
  auto s = torch::randn({8, 2});
  s[0][0] = std::numeric_limits<float>::quiet_NaN();
  s[1][1] = std::numeric_limits<float>::infinity();
  const auto a = route_balanced(s);
  CHECK(std::get<0>(a.order.sort()).equal(torch::arange(8)));
  CHECK_THROWS(balanced_assignment(torch::randn({7, 2})));
}

TEST_CASE("BASE layer: a fresh layer is the identity (FF2 zero-initialised)", "[base_layer]") {
  torch::manual_seed(21);
  BaseLayer layer(4, 16, 32, 2, true, false);
  auto x = torch::randn({3, 5, 16});
  auto mask = torch::ones({3, 5}, torch::kBool);
  mask[1][3] = false;
  mask[1][4] = false;
  layer->train();
  CHECK((layer->forward(x, mask) - x).abs().max().item<double>() < 1e-5);
  layer->eval();
  CHECK((layer->forward(x, mask) - x).abs().max().item<double>() < 1e-5);
}

TEST_CASE("BASE layer: E = 1 is a gated residual FFN", "[base_layer]") {
  torch::manual_seed(22);
  BaseLayer layer(1, 16, 32, 1, true, false);
  randomise(layer);
  layer->train();
  auto x = torch::randn({2, 6, 16});
  auto y = layer->forward(x);
  auto h = x.reshape({-1, 16});
  auto gate = torch::sigmoid(torch::matmul(h, layer->centroids[0])).unsqueeze(1);
  auto expected = gate * expert_reference(layer, 0, h) + (1 - gate) * h;
  CHECK((y.reshape({-1, 16}) - expected).abs().max().item<double>() < 1e-5);
  CHECK(layer->last_routing().load[0].item<int64_t>() == 12);
}

TEST_CASE("BASE layer: training routes balanced, each token through its assigned expert", "[base_layer]") {
  torch::manual_seed(23);
  BaseLayer layer(4, 16, 32, 1, true, false);
  randomise(layer);
  layer->train();
  auto x = torch::randn({4, 7, 16}, torch::requires_grad());
  auto mask = torch::ones({4, 7}, torch::kBool);
  mask[0][6] = false;
  mask[2][5] = false;
  mask[2][6] = false;  // 25 real tokens over 4 experts: loads 7,6,6,6 in some order (7 slots each)
  auto y = layer->forward(x, mask);
  const auto& st = layer->last_routing();
  CHECK(st.balanced);
  CHECK(st.load.sum().item<int64_t>() == 25);
  CHECK(st.load.max().item<int64_t>() == 7);
  CHECK(st.load.min().item<int64_t>() >= 6);
  CHECK((st.row_usage.sum(1) == mask.sum(1)).all().item<bool>());
  // Padding passes through; every real token equals one expert's gated output.
  CHECK((y[2][6] - x[2][6]).abs().max().item<double>() == 0.0);
  auto h = x.reshape({-1, 16}).detach();
  auto y_flat = y.reshape({-1, 16}).detach();
  auto gates = torch::sigmoid(torch::matmul(h, layer->centroids.detach().t()));
  std::vector<torch::Tensor> candidates;
  for (int64_t e = 0; e < 4; ++e) {
    torch::NoGradGuard no_grad;
    auto g = gates.select(1, e).unsqueeze(1);
    candidates.push_back(g * expert_reference(layer, e, h) + (1 - g) * h);
  }
  std::vector<int64_t> counted(4, 0);
  const auto m = mask.reshape(-1);
  for (int64_t t = 0; t < h.size(0); ++t) {
    if (!m[t].item<bool>()) continue;
    int64_t hits = 0;
    for (int64_t e = 0; e < 4; ++e)
      if ((y_flat[t] - candidates[static_cast<size_t>(e)][t]).abs().max().item<double>() < 1e-5) {
        ++hits;
        ++counted[static_cast<size_t>(e)];
      }
    CHECK(hits == 1);
  }
  for (int64_t e = 0; e < 4; ++e) CHECK(counted[static_cast<size_t>(e)] == st.load[e].item<int64_t>());
  // Gradients reach every expert and the centroids (through the gate), none through the routing.
  y.sum().backward();
  for (const auto& p : layer->named_parameters()) {
    INFO(p.key());
    CHECK(p.value().grad().defined());
  }
}

TEST_CASE("BASE layer: greedy inference routes each token to its best centroid", "[base_layer]") {
  torch::manual_seed(24);
  BaseLayer layer(4, 16, 32, 2, true, false);
  randomise(layer);
  layer->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({3, 9, 16});
  auto y = layer->forward(x).reshape({-1, 16});
  auto h = x.reshape({-1, 16});
  auto scores = torch::matmul(h, layer->centroids.t());
  auto best = scores.argmax(1);
  CHECK_FALSE(layer->last_routing().balanced);
  CHECK(layer->last_routing().load.equal(torch::bincount(best, {}, 4)));
  for (int64_t t = 0; t < h.size(0); ++t) {
    const int64_t e = best[t].item<int64_t>();
    auto g = torch::sigmoid(scores[t][e]);
    auto expected = g * expert_reference(layer, e, h.narrow(0, t, 1)).squeeze(0) + (1 - g) * h[t];
    CHECK((y[t] - expected).abs().max().item<double>() < 1e-5);
  }
}

TEST_CASE("BASE layer: upcycling copies the dense FFN into every expert", "[base_layer]") {
  torch::manual_seed(25);
  BaseLayer layer(4, 16, 32, 2, true, /*dense=*/true);
  CHECK(layer->is_dense());
  {
    torch::NoGradGuard no_grad;
    for (auto& p : layer->parameters()) p.normal_(0.0, 0.3);  // as if trained
  }
  std::map<std::string, torch::Tensor> dense;
  for (const auto& p : layer->named_parameters()) dense[p.key()] = p.value().clone();
  CHECK(dense.count("dense.1.fc2_weight") == 1);
  auto x = torch::randn({2, 5, 16});
  layer->eval();
  auto y_dense = layer->forward(x);

  layer->upcycle();
  CHECK_FALSE(layer->is_dense());
  CHECK_THROWS(layer->upcycle());
  std::vector<std::string> names;
  for (const auto& p : layer->named_parameters()) names.push_back(p.key());
  BaseLayer fresh(4, 16, 32, 2, true, false);  // a layer built sparse has the same parameters
  std::vector<std::string> fresh_names;
  for (const auto& p : fresh->named_parameters()) fresh_names.push_back(p.key());
  CHECK(names == fresh_names);
  const auto params = layer->named_parameters();
  for (const auto& [name, value] : dense) {
    const auto sparse_name = "experts" + name.substr(std::string("dense").size());
    INFO(sparse_name);
    const auto& p = params[sparse_name];
    REQUIRE(p.size(0) == 4);
    for (int64_t e = 0; e < 4; ++e) CHECK(p[e].equal(value[0]));
  }
  CHECK(params["centroids"].sizes() == std::vector<int64_t>({4, 16}));
  // Orthogonal rows of norm 0.1.
  auto gram = torch::matmul(params["centroids"], params["centroids"].t());
  CHECK((gram - 0.01 * torch::eye(4)).abs().max().item<double>() < 1e-5);
  // Every expert computes the dense block, so the output is the gate between it and the input.
  auto h = x.reshape({-1, 16});
  auto y = layer->forward(x).reshape({-1, 16});
  auto gate = torch::sigmoid(torch::matmul(h, params["centroids"].t())).max(1);
  auto g = std::get<0>(gate).unsqueeze(1);
  auto expected = g * y_dense.reshape({-1, 16}) + (1 - g) * h;
  CHECK((y - expected).abs().max().item<double>() < 1e-5);
}

TEST_CASE("BASE layer placement follows fairseq's insertion", "[base_layer]") {
  // fairseq: for i in range(n): layers.insert(((i+1)*L)//(n+1), BaseLayer) on the growing list.
  CHECK(base_layer_plan(6, 0) == std::vector<int64_t>({0, 1, 2, 3, 4, 5}));
  CHECK(base_layer_plan(6, 1) == std::vector<int64_t>({0, 1, 2, -1, 3, 4, 5}));
  CHECK(base_layer_plan(6, 2) == std::vector<int64_t>({0, 1, -1, 2, -2, 3, 4, 5}));
  CHECK(base_layer_plan(2, 1) == std::vector<int64_t>({0, -1, 1}));
  CHECK(base_layer_plan(1, 1) == std::vector<int64_t>({-1, 0}));
}

TEST_CASE("transformer: experts = 0 is the dense model; BASE layers add parameters after it", "[base_layer]") {
  torch::manual_seed(31);
  Transformer dense(sparse_config(0), kVocab, kPad);
  torch::manual_seed(31);
  Transformer sparse(sparse_config(4), kVocab, kPad);
  const auto dp = dense->named_parameters(), sp = sparse->named_parameters();
  for (const auto& p : dp) CHECK(p.key().find("_base") == std::string::npos);
  CHECK(dense->base_layers().empty());
  // The sparse model's dense part has the same names, order and initial values.
  size_t i = 0;
  for (const auto& p : dp) {
    REQUIRE(i < sp.size());
    CHECK(sp[i].key() == p.key());
    CHECK(sp[i].value().equal(p.value()));
    ++i;
  }
  REQUIRE(sp.size() > dp.size());
  for (; i < sp.size(); ++i) CHECK(sp[i].key().rfind("decoder_base.0.", 0) == 0);
  // A fresh BASE layer is the identity, so the untrained sparse model computes the dense one.
  dense->eval();
  sparse->eval();
  auto src = random_tokens({5, 3, 7});
  auto tgt = random_tokens({4, 6, 2});
  CHECK((dense->forward(src, tgt) - sparse->forward(src, tgt)).abs().max().item<double>() < 1e-5);
}

TEST_CASE("transformer with BASE layers: training balance, incremental decoding, upcycling", "[base_layer]") {
  torch::manual_seed(32);
  auto config = sparse_config(4);
  config.base_layers = 2;
  config.base_encoder_layers = 1;
  Transformer m(config, kVocab, kPad);
  REQUIRE(m->base_layers().size() == 3);
  for (auto& layer : m->base_layers()) randomise(layer);
  auto src = random_tokens({5, 3, 7});
  auto tgt = random_tokens({4, 6, 2});
  m->train();
  auto logits = m->forward(src, tgt);
  const auto layers = m->base_layers();
  const int64_t src_tokens = src.ne(kPad).sum().item<int64_t>(), tgt_tokens = tgt.ne(kPad).sum().item<int64_t>();
  CHECK(layers[0]->last_routing().load.sum().item<int64_t>() == src_tokens);
  for (size_t i = 1; i < 3; ++i) {
    const auto& load = layers[i]->last_routing().load;
    CHECK(load.sum().item<int64_t>() == tgt_tokens);
    CHECK(load.max().item<int64_t>() - load.min().item<int64_t>() <= 1);
  }
  logits.sum().backward();
  for (const auto& p : m->named_parameters())
    if (p.key().find("_base") != std::string::npos) {
      INFO(p.key());
      CHECK(p.value().grad().defined());
    }

  // Eval: greedy routing is per token, so step-by-step decoding equals the teacher-forced pass.
  m->eval();
  torch::NoGradGuard no_grad;
  auto full = m->forward(src, tgt);
  auto st = m->start_decoding(m->encode(src));
  for (int64_t t = 0; t < tgt.size(1); ++t) {
    auto step = m->decode_step(tgt.select(1, t), st);
    // Rows whose input is padding at t are not routed in the full pass (and their logits unused).
    const auto real = tgt.select(1, t).ne(kPad);
    CHECK((step - full.select(1, t)).index({real}).abs().max().item<double>() < 1e-4);
  }

  // Dense pre-training: the model starts with dense blocks and upcycles in place.
  torch::manual_seed(33);
  Transformer pre(sparse_config(4, 0.5), kVocab, kPad);
  CHECK(pre->dense_phase());
  for (const auto& p : pre->named_parameters()) CHECK(p.key().find("centroids") == std::string::npos);
  pre->upcycle();
  CHECK_FALSE(pre->dense_phase());
  CHECK(pre->named_parameters().contains("decoder_base.0.centroids"));
  CHECK(pre->named_parameters().contains("decoder_base.0.experts.0.fc1_weight"));
  pre->train();
  pre->forward(src, tgt);
  CHECK(pre->base_layers()[0]->last_routing().balanced);
}

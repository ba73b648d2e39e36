#include "harness/train/step_hook.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "harness/model/transformer.h"
#include "harness/train/collate.h"
#include "harness/train/parameter_scope.h"
#include "harness/train/step.h"

namespace longtail::train {

std::vector<torch::Tensor> per_language_gradients(const LanguageLosses& losses, const NamedTensors& params) {
  LanguageGradients g;
  g.from_graph(losses, params);
  std::vector<torch::Tensor> out;
  for (int64_t l = 0; l < g.matrix().size(0); ++l)
    out.push_back(g.present()[static_cast<size_t>(l)] ? g.matrix()[l] : torch::Tensor());
  return out;
}

void set_gradients(const NamedTensors& params, const torch::Tensor& flat) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const auto& [name, p] : params) {
    const int64_t n = p.numel();
    const_cast<torch::Tensor&>(p).mutable_grad() = flat.slice(0, offset, offset + n).view(p.sizes()).to(p.dtype()).clone();
    offset += n;
  }
  if (offset != flat.numel()) throw std::invalid_argument("set_gradients: flat vector does not match the parameters");
}

// ---- parameter sets ----------------------------------------------------------------------------

namespace {

// "decoder_layers.3.ffn.fc1.weight" → ("decoder_layers", 3); other names → (first component, -1).
std::pair<std::string, int64_t> layer_of(const std::string& name) {
  const auto dot = name.find('.');
  std::string top = name.substr(0, dot);
  if ((top == "encoder_layers" || top == "decoder_layers") && dot != std::string::npos) {
    const auto next = name.find('.', dot + 1);
    return {top, std::stoll(name.substr(dot + 1, next - dot - 1))};
  }
  return {top, -1};
}

}  // namespace

// top:K: the decoder's last min(K, L_dec) layers, then the encoder's last K − L_dec.
static NamedTensors top_layers(const NamedTensors& params, int64_t k, const std::string& scope) {
  int64_t n_dec = 0, n_enc = 0;
  for (const auto& [name, p] : params) {
    const auto [top, layer] = layer_of(name);
    if (top == "decoder_layers") n_dec = std::max(n_dec, layer + 1);
    if (top == "encoder_layers") n_enc = std::max(n_enc, layer + 1);
  }
  const int64_t dec = std::min(k, n_dec), enc = std::min(std::max<int64_t>(k - n_dec, 0), n_enc);
  NamedTensors out;
  for (const auto& [name, p] : params) {
    const auto [top, layer] = layer_of(name);
    if ((top == "decoder_layers" && layer >= n_dec - dec) || (top == "encoder_layers" && layer >= n_enc - enc) ||
        (top == "decoder_ln" && dec > 0) || (top == "encoder_ln" && enc > 0))
      out.emplace_back(name, p);
  }
  if (out.empty()) throw std::invalid_argument("parameter set \"" + scope + "\" selects no parameter");
  return out;
}

NamedTensors select_parameters(const NamedTensors& params, const std::string& scope) {
  const ParameterScope s = parse_parameter_scope(scope);
  if (s.error == ParameterScope::Error::BadLast)
    throw std::invalid_argument("parameter set \"" + scope + "\": expected last:K with an integer K >= 1");
  if (!s.ok()) throw std::invalid_argument("unknown parameter set \"" + scope + "\" (all, encoder, decoder, last:K, top:K, lora, adapter)");
  if (!s.group.empty()) {
    NamedTensors out;
    for (const auto& [name, p] : params)
      if (name.rfind(s.group + ".", 0) == 0) out.emplace_back(name, p);
    if (out.empty())
      throw std::invalid_argument("parameter set \"" + scope + "\" selects no parameter: the model has no " +
                                  (s.group == "lora" ? "LoRA (model.lora_rank 0)" : "adapters (model.adapter_dim 0)"));
    return out;
  }
  if (s.top > 0) return top_layers(params, s.top, scope);
  if (s.stack.empty()) return params;
  const int64_t last = s.last;
  const std::string& stack = s.stack;
  int64_t n_layers = 0;
  for (const auto& [name, p] : params) {
    const auto [top, layer] = layer_of(name);
    if (top == stack + "_layers") n_layers = std::max(n_layers, layer + 1);
  }
  NamedTensors out;
  for (const auto& [name, p] : params) {
    const auto [top, layer] = layer_of(name);
    const bool in_layers = top == stack + "_layers" && (last == 0 || layer >= n_layers - last);
    if (in_layers || top == stack + "_ln") out.emplace_back(name, p);
  }
  if (out.empty()) throw std::invalid_argument("parameter set \"" + scope + "\" selects no parameter");
  return out;
}

NamedTensors other_parameters(const NamedTensors& params, const NamedTensors& subset) {
  std::set<std::string> in;
  for (const auto& [name, p] : subset) in.insert(name);
  NamedTensors out;
  for (const auto& [name, p] : params)
    if (!in.count(name)) out.emplace_back(name, p);
  return out;
}

std::vector<std::pair<int64_t, int64_t>> layer_blocks(const NamedTensors& params) {
  std::vector<std::pair<int64_t, int64_t>> blocks;
  std::pair<std::string, int64_t> current{"", -2};
  int64_t offset = 0;
  for (const auto& [name, p] : params) {
    const auto layer = layer_of(name);
    if (blocks.empty() || layer != current) blocks.emplace_back(offset, offset);
    current = layer;
    offset += p.numel();
    blocks.back().second = offset;
  }
  return blocks;
}

// ---- per-language sub-batches ---------------------------------------------------------------------

std::vector<TensorBatch> split_by_language(const TensorBatch& batch, int64_t n_langs, int64_t pad_id) {
  // Lengths on the host (one copy of small integer tensors), so trimming needs no further syncs.
  const auto lang = batch.lang.to(torch::kCPU);
  const auto src = batch.src.to(torch::kCPU), tgt = batch.tgt_out.to(torch::kCPU);
  const auto la = lang.accessor<int64_t, 1>();
  const auto sa = src.accessor<int64_t, 2>(), ta = tgt.accessor<int64_t, 2>();
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(n_langs));
  std::vector<int64_t> max_s(static_cast<size_t>(n_langs), 0), max_t(static_cast<size_t>(n_langs), 0), tokens(static_cast<size_t>(n_langs), 0);
  for (int64_t i = 0; i < lang.size(0); ++i) {
    const auto l = static_cast<size_t>(la[i]);
    if (la[i] < 0 || la[i] >= n_langs) throw std::invalid_argument("split_by_language: language index out of range");
    rows[l].push_back(i);
    int64_t s = src.size(1), t = tgt.size(1);
    while (s > 0 && sa[i][s - 1] == pad_id) --s;
    while (t > 0 && ta[i][t - 1] == pad_id) --t;
    max_s[l] = std::max(max_s[l], s), max_t[l] = std::max(max_t[l], t);
    tokens[l] += s + t;
  }
  std::vector<TensorBatch> out(static_cast<size_t>(n_langs));
  for (size_t l = 0; l < out.size(); ++l) {
    if (rows[l].empty()) continue;
    const auto idx = torch::tensor(rows[l], torch::kLong).to(batch.src.device());
    auto& b = out[l];
    b.src = batch.src.index_select(0, idx).slice(1, 0, std::max<int64_t>(max_s[l], 1));
    b.tgt_in = batch.tgt_in.index_select(0, idx).slice(1, 0, std::max<int64_t>(max_t[l], 1));
    b.tgt_out = batch.tgt_out.index_select(0, idx).slice(1, 0, std::max<int64_t>(max_t[l], 1));
    b.lang = batch.lang.index_select(0, idx);
    b.tokens = tokens[l];
  }
  return out;
}

// ---- LanguageGradients ------------------------------------------------------------------------------

void LanguageGradients::prepare(const NamedTensors& params, const std::string& scope, int64_t n_langs) {
  const void* key = params.empty() ? nullptr : params.front().second.unsafeGetTensorImpl();
  if (scope != scope_ || key != params_key_ || params.size() != params_size_) {
    scope_params_ = select_parameters(params, scope);
    rest_params_ = other_parameters(params, scope_params_);
    scope_ = scope, params_key_ = key, params_size_ = params.size();
  }
  int64_t p = 0;
  for (const auto& [name, t] : scope_params_) p += t.numel();
  const auto device = scope_params_.front().second.device();
  if (!g_.defined() || g_.size(0) != n_langs || g_.size(1) != p || g_.device() != device)
    g_ = torch::empty({n_langs, p}, torch::TensorOptions().dtype(torch::kFloat).device(device));
  present_.assign(static_cast<size_t>(n_langs), false);
  tokens_.assign(static_cast<size_t>(n_langs), 0.0);
  ++computations_;
}

// Copies one language's gradients (scope parameters first in `grads`) into its row: the row's
// slices are views of the buffer, so this is the only copy.
void LanguageGradients::write_row(int64_t l, const std::vector<torch::Tensor>& grads) {
  torch::NoGradGuard no_grad;
  auto row = g_[l];
  int64_t offset = 0;
  for (size_t i = 0; i < scope_params_.size(); ++i) {
    const int64_t n = scope_params_[i].second.numel();
    auto dst = row.slice(0, offset, offset + n);
    if (grads[i].defined()) dst.copy_(grads[i].reshape(-1));
    else dst.zero_();
    offset += n;
  }
}

std::vector<int64_t> LanguageGradients::present_indices() const {
  std::vector<int64_t> out;
  for (size_t l = 0; l < present_.size(); ++l)
    if (present_[l]) out.push_back(static_cast<int64_t>(l));
  return out;
}

void LanguageGradients::from_graph(const LanguageLosses& losses, const NamedTensors& params, const std::string& scope) {
  const int64_t n_langs = losses.sum.size(0);
  prepare(params, scope, n_langs);
  std::vector<torch::Tensor> inputs;
  for (const auto& [name, p] : scope_params_) inputs.push_back(p);
  const auto tokens = losses.tokens.detach().to(torch::kCPU, torch::kDouble);
  const auto t = tokens.accessor<double, 1>();
  for (int64_t l = 0; l < n_langs; ++l) {
    tokens_[static_cast<size_t>(l)] = t[l];
    if (t[l] <= 0) {
      g_[l].zero_();
      continue;
    }
    present_[static_cast<size_t>(l)] = true;
    const auto grads = torch::autograd::grad({losses.sum[l] / t[l]}, inputs, {}, /*retain_graph=*/true,
                                             /*create_graph=*/false, /*allow_unused=*/true);
    write_row(l, grads);
  }
}

LanguageLosses LanguageGradients::from_sub_batches(const TensorBatch& batch, int64_t n_langs, int64_t pad_id,
                                                   const LossFn& losses_of, const NamedTensors& params,
                                                   const std::string& scope, const torch::Tensor& weights,
                                                   TaskScale tasks) {
  prepare(params, scope, n_langs);
  const auto parts = split_by_language(batch, n_langs, pad_id);
  // Target tokens per language, on the host before any forward: the coefficients of the rest
  // parameters' gradient need the batch total N.
  const auto per_row = (batch.tgt_out != pad_id).sum(1);
  const auto counts = model::sum_by_language(per_row.to(torch::kFloat), batch.lang, n_langs).to(torch::kCPU, torch::kDouble);
  const auto c = counts.accessor<double, 1>();
  double total = 0, present_langs = 0;
  for (int64_t l = 0; l < n_langs; ++l) tokens_[static_cast<size_t>(l)] = c[l], total += c[l], present_langs += c[l] > 0;
  const bool rest = weights.defined() && !rest_params_.empty();
  std::vector<double> w;
  if (rest) {
    const auto wh = weights.detach().to(torch::kCPU, torch::kDouble);
    for (int64_t l = 0; l < n_langs; ++l) w.push_back(wh[l].item<double>());
  }
  std::vector<torch::Tensor> inputs;
  for (const auto& [name, p] : scope_params_) inputs.push_back(p);
  if (rest)
    for (const auto& [name, p] : rest_params_) inputs.push_back(p);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(g_.device());
  std::vector<torch::Tensor> sums(static_cast<size_t>(n_langs));
  for (int64_t l = 0; l < n_langs; ++l) {
    const auto li = static_cast<size_t>(l);
    const double n_l = c[l];
    if (n_l <= 0 || !parts[li].src.defined()) {
      g_[l].zero_();
      sums[li] = torch::zeros({}, opts);
      continue;
    }
    present_[li] = true;
    const LanguageLosses own = losses_of(parts[li]);
    sums[li] = own.sum[l].detach().to(torch::kFloat);
    const auto grads = torch::autograd::grad({own.sum[l] / n_l}, inputs, {}, /*retain_graph=*/false,
                                             /*create_graph=*/false, /*allow_unused=*/true);
    write_row(l, grads);
    if (rest) {
      // ∇(Σ_l w_l L_l / N) = Σ_l (w_l N_l / N) ∇(L_l / N_l) (Share), ∇((1/K) Σ_l w_l L_l / N_l) =
      // Σ_l (w_l / K) ∇(L_l / N_l) (Equal), accumulated into .grad().
      torch::NoGradGuard no_grad;
      const double a = tasks == TaskScale::Share ? w[li] * n_l / total : w[li] / present_langs;
      for (size_t i = 0; i < rest_params_.size(); ++i) {
        const auto& g = grads[scope_params_.size() + i];
        if (!g.defined()) continue;
        auto& dst = const_cast<torch::Tensor&>(rest_params_[i].second).mutable_grad();
        if (dst.defined()) dst.add_(g, a);
        else dst = g * a;
      }
    }
  }
  return {torch::stack(sums), counts.to(opts.device()).to(torch::kFloat)};
}

std::vector<double> gram_matrix(const torch::Tensor& g, const std::vector<int64_t>& rows, int64_t begin, int64_t end) {
  torch::NoGradGuard no_grad;
  const int64_t k = static_cast<int64_t>(rows.size());
  if (k == 0) return {};
  if (end < 0) end = g.size(1);
  // All rows at once (absent languages' rows are zero): a view of the buffer, no [K × P] copy.
  const auto sub = g.slice(1, begin, end);
  const auto gram = torch::matmul(sub, sub.t()).to(torch::kCPU, torch::kDouble).contiguous();
  const auto m = gram.accessor<double, 2>();
  std::vector<double> out(static_cast<size_t>(k * k));
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = 0; b < k; ++b) out[static_cast<size_t>(a * k + b)] = m[rows[static_cast<size_t>(a)]][rows[static_cast<size_t>(b)]];
  return out;
}

std::vector<double> task_coefficients(const LanguageGradients& g, const std::vector<int64_t>& rows,
                                      const torch::Tensor& weights, TaskScale tasks, double factor) {
  const auto w = weights.to(torch::kCPU, torch::kDouble).contiguous();
  const auto wa = w.accessor<double, 1>();  // one host copy, not an item() per row
  double total = 0;
  for (double t : g.tokens()) total += t;
  std::vector<double> c(rows.size());
  for (size_t a = 0; a < rows.size(); ++a) {
    const double share = tasks == TaskScale::Share ? g.tokens()[static_cast<size_t>(rows[a])] / total
                                                   : 1.0 / static_cast<double>(rows.size());
    c[a] = factor * wa[rows[a]] * share;
  }
  return c;
}

torch::Tensor task_objective(const LanguageLosses& losses, const torch::Tensor& weights, TaskScale tasks) {
  if (tasks == TaskScale::Share) return weighted_objective(losses, weights);
  const auto present = losses.tokens > 0;
  const auto mean = losses.sum / losses.tokens.clamp_min(1);
  return (weights * mean * present).sum() / present.sum().clamp_min(1);
}

void scale_gram(std::vector<double>& gram, const std::vector<double>& c) {
  const size_t k = c.size();
  for (size_t x = 0; x < k; ++x)
    for (size_t y = 0; y < k; ++y) gram[x * k + y] *= c[x] * c[y];
}

torch::Tensor combine_rows(const torch::Tensor& g, const std::vector<double>& coef, int64_t begin, int64_t end) {
  torch::NoGradGuard no_grad;
  if (end < 0) end = g.size(1);
  const auto c = torch::tensor(coef, torch::kDouble).to(g.device(), g.scalar_type()).view({1, -1});
  return torch::matmul(c, g.slice(1, begin, end)).view(-1);
}

GradientGeometry gradient_geometry(const torch::Tensor& g, const std::vector<bool>& present) {
  torch::NoGradGuard no_grad;
  const int64_t n = g.size(0);
  // One [L × L] Gram matrix: norms and cosines from the same product.
  const auto gram = torch::matmul(g, g.t()).to(torch::kCPU, torch::kDouble);
  const auto m = gram.accessor<double, 2>();
  GradientGeometry r;
  r.norm.assign(static_cast<size_t>(n), std::nan(""));
  r.cosine.assign(static_cast<size_t>(n * n), std::nan(""));
  for (int64_t i = 0; i < n; ++i)
    if (present[static_cast<size_t>(i)]) r.norm[static_cast<size_t>(i)] = std::sqrt(std::max(m[i][i], 0.0));
  int64_t conflicts = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double ni = r.norm[static_cast<size_t>(i)], nj = r.norm[static_cast<size_t>(j)];
      if (!(ni > 0) || !(nj > 0)) continue;
      const double cs = std::clamp(m[i][j] / (ni * nj), -1.0, 1.0);
      r.cosine[static_cast<size_t>(i * n + j)] = cs;
      if (i < j) {
        ++r.pairs;
        conflicts += cs < 0;
      }
    }
  if (r.pairs > 0) r.conflict_fraction = static_cast<double>(conflicts) / static_cast<double>(r.pairs);
  return r;
}

}  // namespace longtail::train

#include "eval/decode/search.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace longtail::eval {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

torch::Tensor to_device_index(const std::vector<int64_t>& v, const torch::Device& device) {
  return torch::tensor(v, torch::kLong).to(device);
}

// Next-token log-probabilities [N,V] in fp32 with the rules every search shares: PAD and BOS are
// never produced, EOS not as the first token, and rows at their length limit may only end.
torch::Tensor next_log_probs(const torch::Tensor& logits, const SearchOptions& o, int64_t step,
                             const std::vector<bool>& force_eos) {
  auto lp = torch::log_softmax(logits.to(torch::kFloat), -1);
  lp.select(1, o.pad).fill_(kNegInf);
  lp.select(1, o.bos).fill_(kNegInf);
  auto eos_lp = lp.select(1, o.eos).clone();
  if (step == 0) lp.select(1, o.eos).fill_(kNegInf);
  if (std::any_of(force_eos.begin(), force_eos.end(), [](bool b) { return b; })) {
    std::vector<int64_t> rows;
    for (size_t r = 0; r < force_eos.size(); ++r)
      if (force_eos[r]) rows.push_back(static_cast<int64_t>(r));
    auto idx = to_device_index(rows, lp.device());
    auto forced = torch::full({static_cast<int64_t>(rows.size()), lp.size(1)}, kNegInf, lp.options());
    forced.select(1, o.eos).copy_(eos_lp.index_select(0, idx));
    lp.index_copy_(0, idx, forced);
  }
  return lp;
}

double normalise(double logp, int64_t length, double alpha) {
  return logp / std::pow(static_cast<double>(length), alpha);
}

}  // namespace

std::vector<int64_t> max_output_lengths(const torch::Tensor& src, const SearchOptions& o, int64_t max_positions) {
  auto lens = src.ne(o.pad).sum(1).to(torch::kCPU, torch::kLong);
  std::vector<int64_t> out(static_cast<size_t>(src.size(0)));
  for (size_t i = 0; i < out.size(); ++i) {
    auto n = static_cast<double>(lens[static_cast<int64_t>(i)].item<int64_t>());
    // Decoder positions 0..max_len hold BOS and the max_len tokens; EOS is predicted at the last.
    out[i] = std::clamp<int64_t>(static_cast<int64_t>(std::floor(o.max_len_a * n)) + o.max_len_b, 0, max_positions - 1);
  }
  return out;
}

std::vector<Hypothesis> greedy_search(model::Transformer& model, const torch::Tensor& src, const SearchOptions& o) {
  torch::NoGradGuard no_grad;
  const int64_t batch = src.size(0);
  const auto device = src.device();
  const auto max_len = max_output_lengths(src, o, model->config().max_positions);
  auto state = model->start_decoding(model->encode(src));

  std::vector<Hypothesis> hyps(static_cast<size_t>(batch));
  std::vector<double> logp(static_cast<size_t>(batch), 0.0);
  std::vector<int64_t> active(static_cast<size_t>(batch));  // original row of each live row
  for (int64_t i = 0; i < batch; ++i) active[static_cast<size_t>(i)] = i;
  auto prev = torch::full({batch}, o.bos, torch::TensorOptions().dtype(torch::kLong).device(device));

  for (int64_t step = 0; !active.empty(); ++step) {
    std::vector<bool> force(active.size());
    for (size_t r = 0; r < active.size(); ++r) force[r] = step >= max_len[static_cast<size_t>(active[r])];
    auto lp = next_log_probs(model->decode_step(prev, state), o, step, force);
    auto best = lp.max(1);
    auto val = std::get<0>(best).to(torch::kCPU), tok = std::get<1>(best).to(torch::kCPU);
    auto val_a = val.accessor<float, 1>();
    auto tok_a = tok.accessor<int64_t, 1>();

    std::vector<int64_t> keep_rows, keep_tokens;
    std::vector<int64_t> still;
    for (size_t r = 0; r < active.size(); ++r) {
      const auto i = static_cast<size_t>(active[r]);
      logp[i] += val_a[static_cast<int64_t>(r)];
      const int64_t t = tok_a[static_cast<int64_t>(r)];
      if (t == o.eos) {
        hyps[i].score = normalise(logp[i], static_cast<int64_t>(hyps[i].tokens.size()) + 1, o.length_penalty);
        continue;
      }
      hyps[i].tokens.push_back(static_cast<int32_t>(t));
      keep_rows.push_back(static_cast<int64_t>(r));
      keep_tokens.push_back(t);
      still.push_back(active[r]);
    }
    if (still.empty()) break;
    if (still.size() != active.size()) state.select(to_device_index(keep_rows, device));
    prev = to_device_index(keep_tokens, device);
    active = std::move(still);
  }
  return hyps;
}

std::vector<Hypothesis> beam_search(model::Transformer& model, const torch::Tensor& src, const SearchOptions& o) {
  torch::NoGradGuard no_grad;
  const int64_t batch = src.size(0), k = o.beam;
  const auto device = src.device();
  const auto max_len = max_output_lengths(src, o, model->config().max_positions);
  auto state = model->start_decoding(model->encode(src));
  {
    std::vector<int64_t> rep;  // each sentence's encoder state, k times
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t b = 0; b < k; ++b) rep.push_back(i);
    state.select(to_device_index(rep, device));
  }

  struct Live {
    std::vector<int32_t> tokens;
    float score;  // cumulative log-probability (fp32, as on the device)
  };
  std::vector<int64_t> active(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) active[static_cast<size_t>(i)] = i;
  // Only beam 0 starts alive, otherwise the k identical beams would fill the first step.
  std::vector<std::vector<Live>> beams(static_cast<size_t>(batch), std::vector<Live>(static_cast<size_t>(k), Live{{}, kNegInf}));
  for (auto& b : beams) b[0].score = 0;
  std::vector<std::vector<Hypothesis>> finished(static_cast<size_t>(batch));
  auto prev = torch::full({batch * k}, o.bos, torch::TensorOptions().dtype(torch::kLong).device(device));

  for (int64_t step = 0; !active.empty(); ++step) {
    const auto n = static_cast<int64_t>(active.size());
    std::vector<bool> force(static_cast<size_t>(n * k));
    std::vector<float> scores;
    for (int64_t j = 0; j < n; ++j)
      for (int64_t b = 0; b < k; ++b) {
        force[static_cast<size_t>(j * k + b)] = step >= max_len[static_cast<size_t>(active[static_cast<size_t>(j)])];
        scores.push_back(beams[static_cast<size_t>(active[static_cast<size_t>(j)])][static_cast<size_t>(b)].score);
      }
    auto lp = next_log_probs(model->decode_step(prev, state), o, step, force);
    const int64_t vocab = lp.size(1);
    auto cand = (torch::tensor(scores).to(device).view({n, k, 1}) + lp.view({n, k, vocab})).view({n, k * vocab});
    auto top = cand.topk(std::min<int64_t>(2 * k, k * vocab), 1);
    auto top_val = std::get<0>(top).to(torch::kCPU), top_idx = std::get<1>(top).to(torch::kCPU);
    auto val_a = top_val.accessor<float, 2>();
    auto idx_a = top_idx.accessor<int64_t, 2>();

    std::vector<int64_t> still, reorder, next_tokens;
    for (int64_t j = 0; j < n; ++j) {
      const auto i = static_cast<size_t>(active[static_cast<size_t>(j)]);
      std::vector<Live> next;
      std::vector<int64_t> origin;
      for (int64_t c = 0; c < top_val.size(1); ++c) {
        const float v = val_a[j][c];
        if (v == kNegInf) break;  // sorted: the rest are impossible too
        const int64_t b = idx_a[j][c] / vocab, t = idx_a[j][c] % vocab;
        const Live& from = beams[i][static_cast<size_t>(b)];
        if (t == o.eos) {
          // fairseq's rule: an EOS finishes a hypothesis only from the top k candidates.
          if (c < k && static_cast<int64_t>(finished[i].size()) < k)
            finished[i].push_back({from.tokens, normalise(v, static_cast<int64_t>(from.tokens.size()) + 1, o.length_penalty)});
          continue;
        }
        if (static_cast<int64_t>(next.size()) < k) {
          Live l{from.tokens, v};
          l.tokens.push_back(static_cast<int32_t>(t));
          next.push_back(std::move(l));
          origin.push_back(j * k + b);
        }
      }
      const bool done = static_cast<int64_t>(finished[i].size()) >= k || step >= max_len[i] || next.empty();
      if (done) continue;
      while (static_cast<int64_t>(next.size()) < k) {  // tiny vocabularies: pad with dead beams
        next.push_back({next[0].tokens, kNegInf});
        origin.push_back(origin[0]);
      }
      for (int64_t b = 0; b < k; ++b) {
        reorder.push_back(origin[static_cast<size_t>(b)]);
        next_tokens.push_back(next[static_cast<size_t>(b)].tokens.back());
      }
      beams[i] = std::move(next);
      still.push_back(static_cast<int64_t>(i));
    }
    if (still.empty()) break;
    state.select(to_device_index(reorder, device));
    prev = to_device_index(next_tokens, device);
    active = std::move(still);
  }

  std::vector<Hypothesis> out(static_cast<size_t>(batch));
  for (size_t i = 0; i < out.size(); ++i) {
    if (finished[i].empty()) {  // unreachable with max_len forcing EOS; kept as a safe fallback
      const auto& best = *std::max_element(beams[i].begin(), beams[i].end(),
                                           [](const Live& a, const Live& b) { return a.score < b.score; });
      out[i] = {best.tokens, normalise(best.score, static_cast<int64_t>(best.tokens.size()) + 1, o.length_penalty)};
      continue;
    }
    // First of the best scores: ties keep the earlier-finished (shorter) hypothesis.
    const Hypothesis* best = &finished[i][0];
    for (const auto& h : finished[i])
      if (h.score > best->score) best = &h;
    out[i] = *best;
  }
  return out;
}

std::vector<Hypothesis> search(model::Transformer& model, const torch::Tensor& src, const SearchOptions& opts) {
  return opts.beam <= 1 ? greedy_search(model, src, opts) : beam_search(model, src, opts);
}

}  // namespace longtail::eval

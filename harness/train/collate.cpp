#include "harness/train/collate.h"

#include <algorithm>

namespace longtail::train {

Pair make_pair(const data::Shard& s, size_t row, bool en_to_x, int64_t tag, int64_t eos) {
  Pair p;
  const int32_t* a = en_to_x ? s.en(row) : s.xx(row);
  const size_t na = en_to_x ? s.en_len(row) : s.xx_len(row);
  const int32_t* b = en_to_x ? s.xx(row) : s.en(row);
  const size_t nb = en_to_x ? s.xx_len(row) : s.en_len(row);
  p.src.reserve(na + 2);
  if (en_to_x) p.src.push_back(tag);
  p.src.insert(p.src.end(), a, a + na);
  p.src.push_back(eos);
  p.tgt.assign(b, b + nb);
  p.tgt.push_back(eos);
  return p;
}

TensorBatch collate(const std::vector<const Pair*>& pairs, const std::vector<int64_t>& langs, int64_t pad, int64_t bos,
                    const torch::Device& device) {
  const auto n = static_cast<int64_t>(pairs.size());
  size_t max_s = 0, max_t = 0;
  for (const Pair* p : pairs) {
    max_s = std::max(max_s, p->src.size());
    max_t = std::max(max_t, p->tgt.size());
  }
  auto src = torch::full({n, static_cast<int64_t>(max_s)}, pad, torch::kLong);
  auto tin = torch::full({n, static_cast<int64_t>(max_t)}, pad, torch::kLong);
  auto tout = torch::full({n, static_cast<int64_t>(max_t)}, pad, torch::kLong);
  auto sa = src.accessor<int64_t, 2>(), ia = tin.accessor<int64_t, 2>(), oa = tout.accessor<int64_t, 2>();
  TensorBatch b;
  for (int64_t i = 0; i < n; ++i) {
    const Pair& p = *pairs[static_cast<size_t>(i)];
    for (size_t j = 0; j < p.src.size(); ++j) sa[i][static_cast<int64_t>(j)] = p.src[j];
    ia[i][0] = bos;
    for (size_t j = 0; j < p.tgt.size(); ++j) {
      oa[i][static_cast<int64_t>(j)] = p.tgt[j];
      if (j + 1 < p.tgt.size()) ia[i][static_cast<int64_t>(j) + 1] = p.tgt[j];
    }
    b.tokens += static_cast<int64_t>(p.src.size() + p.tgt.size());
  }
  b.src = src.to(device);
  b.tgt_in = tin.to(device);
  b.tgt_out = tout.to(device);
  b.lang = torch::tensor(langs, torch::kLong).to(device);
  return b;
}

}  // namespace longtail::train

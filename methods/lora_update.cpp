// LoRA update (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models",
// arXiv:2106.09685) as an update method of continual learning: the stage adds rank-r matrices
// W x + (α/r)·B(A x) on the chosen projections (B = 0, so the stage starts at the previous model),
// trains only them, and merges them into W at its end, so the next stage starts from a plain model
// (harness/model/peft.h). A parameter-efficient baseline of Badola et al. 2023 (arXiv:2209.06767;
// which PEFT baselines they ran is unverified, methods.md §5). docs/continual.md.
#include <algorithm>

#include "methods/method.h"

namespace longtail::methods {
namespace {

class LoraUpdate : public FixedSampling {
 public:
  using FixedSampling::FixedSampling;
  std::string trainable_parameters() const override { return "lora"; }
};

// The targets as the model layer names them, groups expanded, in its order.
std::vector<std::string> canonical_targets(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& name : model::lora_target_names()) {
    const bool group = (name.rfind("attn_", 0) == 0 && std::count(given.begin(), given.end(), "attention")) ||
                       (name.rfind("ffn_", 0) == 0 && std::count(given.begin(), given.end(), "ffn"));
    if (group || std::count(given.begin(), given.end(), name)) out.push_back(name);
  }
  return out;
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "lora",
    "Hu et al. 2021, LoRA: Low-Rank Adaptation of Large Language Models, arXiv:2106.09685 (as a continual update: "
    "Badola et al. 2023, arXiv:2209.06767)",
    "update stage: W + (α/r)·B·A on the targets, only A and B train (B = 0 at the start), merged into W at the end",
    {{"rank", OptType::Int, 8, "r", 1, 4096},
     {"alpha", OptType::Float, 16.0, "α: the update is scaled by α/r", 0.0, 1e6, true},
     {"targets", OptType::StringList, boost::json::array{"attn_q", "attn_v"},
      "projections adapted: attn_q, attn_k, attn_v, attn_out (every attention), ffn_in, ffn_out, or the groups attention, ffn",
      {}, {}, false, {"attn_q", "attn_k", "attn_v", "attn_out", "ffn_in", "ffn_out", "attention", "ffn"}}},
    [](const Options&, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<LoraUpdate>(temperature_distribution(ctx.train_pairs, 1.0));
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) {
      if (o.get_strings("targets").empty()) throw ConfigError(where + ".targets", "expected at least one projection");
    }}
    .adapting([](const Options& o, model::ModelConfig& m) {
      m.lora_rank = o.get_int("rank");
      m.lora_alpha = o.get_float("alpha");
      m.lora_targets = canonical_targets(o.get_strings("targets"));
    })
    .updating());

}  // namespace
}  // namespace longtail::methods

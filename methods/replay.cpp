// Experience replay as an update method of continual learning: every batch of an update stage
// draws the share ρ of its examples from the pairs of all earlier stages (every language the base
// model and earlier updates trained on, in proportion to those pairs) and the rest from this
// stage's new pairs (in proportion to theirs):
//   x ~ (1 − ρ)·D_stage + ρ·D_earlier.
// The standard rehearsal baseline (Robins 1995, "Catastrophic forgetting, rehearsal and
// pseudorehearsal", Connection Science 7(2); for multilingual NMT continual learning e.g. Garcia
// et al. 2021, NAACL); a baseline of Badola et al. 2023 (arXiv:2209.06767; which baselines they ran
// is unverified, methods.md §5). The share is of examples drawn, so with languages of unequal
// lengths the share of tokens differs a little. docs/continual.md.
#include "methods/method.h"

namespace longtail::methods {
namespace {

class ReplayUpdate : public FixedSampling {
 public:
  ReplayUpdate(std::vector<double> p, double share, std::vector<double> earlier)
      : FixedSampling(std::move(p)), replay_{share, std::move(earlier)} {}
  Replay replay(int64_t) const override { return replay_; }

 private:
  Replay replay_;
};

std::vector<double> as_doubles(const std::vector<int64_t>& n) { return {n.begin(), n.end()}; }

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "replay",
    "Robins 1995, Catastrophic forgetting, rehearsal and pseudorehearsal, Connection Science 7(2) (as a continual update: "
    "Badola et al. 2023, arXiv:2209.06767)",
    "update stage: each batch draws ρ of its examples from earlier stages' pairs (∝ their number), 1 − ρ from this stage's (p_i ∝ n_i)",
    {{"share", OptType::Float, 0.25, "ρ: share of every batch's examples drawn from earlier stages' pairs", 0.0, 1.0, true}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<ReplayUpdate>(temperature_distribution(ctx.train_pairs, 1.0), o.get_float("share"),
                                            as_doubles(ctx.earlier_pairs));
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) {
      if (o.get_float("share") >= 1.0) throw ConfigError(where + ".share", "expected a share below 1: a stage must train on its own pairs");
    }}
    .updating());

}  // namespace
}  // namespace longtail::methods

// The step hook shared by the gradient-surgery methods (PCGrad, GradVac, CAGrad; LibTorch side,
// included from their `#ifdef LONGTAIL_WITH_TORCH` sections). Every step:
//   per-language sub-batch gradients G_l over the method's parameter set (one [L × P] buffer)
//   → the batch's languages (present rows) → their task coefficients c_m (`tasks`: w_l / K for
//     equal tasks, w_l N_l / N for token shares; harness/train/task_scale.h)
//   → per column block: the Gram matrix of the rows scaled by c_a c_b (the Gram matrix of the
//     tasks g_m = c_m G_m) → the method's combination rule: weights u_m → Σ_m u_m c_m G_m
//   → the parameters' .grad() → the tasks' objective for the log.
// A method supplies only its rule (`combination`) and, where it needs them, the scale of the tasks
// (CAGrad's K), a per-step draw (PCGrad's and GradVac's partner orders) and column blocks
// (GradVac's per-layer targets).
#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "harness/train/step_hook.h"
#include "harness/train/step.h"
#include "methods/method.h"

namespace longtail::methods {

class GradientSurgeryHook : public train::StepHook {
 public:
  explicit GradientSurgeryHook(const PerLanguageGradientMethod& method) : scope_(method.scope()), tasks_(method.tasks()) {}
  bool uses_batch_losses() const override { return false; }

  torch::Tensor backward(const train::StepInputs& in) override {
    auto& g = *in.gradients;
    *in.own_losses = g.from_sub_batches(*in.batch, in.weights.size(0), in.pad_id, in.losses_of, *in.params, scope_, in.weights, tasks_);
    const auto rows = g.present_indices();
    const auto k = static_cast<int64_t>(rows.size());
    // g_m = c_m G_m (l = rows[m]).
    const auto c = train::task_coefficients(g, rows, in.weights, tasks_, task_factor(k));
    begin_step(k);
    const auto& blocks = column_blocks(g);
    if (blocks.empty()) {
      train::set_gradients(g.scope_params(), combine_block(g, rows, c, 0, 0, -1));
    } else {
      auto direction = torch::empty({g.matrix().size(1)}, g.matrix().options());
      for (size_t b = 0; b < blocks.size(); ++b)
        direction.slice(0, blocks[b].first, blocks[b].second)
            .copy_(combine_block(g, rows, c, b, blocks[b].first, blocks[b].second));
      train::set_gradients(g.scope_params(), direction);
    }
    return train::task_objective(*in.own_losses, in.weights, tasks_);
  }

 protected:
  using Blocks = std::vector<std::pair<int64_t, int64_t>>;

  // The rule. gram: the K × K Gram matrix (row-major) of the shares g_m of the batch's languages
  // `rows` over column block `block`; returns u (K) with the block's update Σ_m u_m g_m.
  virtual std::vector<double> combination(const std::vector<double>& gram, const std::vector<int64_t>& rows,
                                          size_t block) = 0;
  // The factor of the task coefficients c_m (1: Σ_m g_m is the tasks' objective's gradient).
  virtual double task_factor(int64_t /*k*/) const { return 1.0; }
  // Called once per step, before the blocks, with the number K of the batch's languages.
  virtual void begin_step(int64_t /*k*/) {}
  // Column ranges [begin, end) of the buffer combined separately, each with its own Gram matrix;
  // empty (the default) = all columns at once.
  virtual const Blocks& column_blocks(const train::LanguageGradients& /*g*/) {
    static const Blocks all;
    return all;
  }

  // Σ_i A[i·K + m] for each m: the weights u of Σ_i g_i' when g_i' = Σ_m A[i·K + m] g_m.
  static std::vector<double> column_sums(const std::vector<double>& a, int64_t k) {
    std::vector<double> u(static_cast<size_t>(k), 0.0);
    for (int64_t m = 0; m < k; ++m) {
      double s = 0;
      for (int64_t i = 0; i < k; ++i) s += a[static_cast<size_t>(i * k + m)];
      u[static_cast<size_t>(m)] = s;
    }
    return u;
  }

 private:
  torch::Tensor combine_block(const train::LanguageGradients& g, const std::vector<int64_t>& rows, const std::vector<double>& c,
                              size_t block, int64_t begin, int64_t end) {
    auto gram = train::gram_matrix(g.matrix(), rows, begin, end);
    train::scale_gram(gram, c);
    const auto u = combination(gram, rows, block);
    // Σ_m u_m g_m = Σ_m (u_m c_m) G_m over the buffer's rows (absent languages: 0).
    std::vector<double> coef(static_cast<size_t>(g.matrix().size(0)), 0.0);
    for (size_t m = 0; m < rows.size(); ++m) coef[static_cast<size_t>(rows[m])] = u[m] * c[m];
    return train::combine_rows(g.matrix(), coef, begin, end);
  }

  std::string scope_;
  train::TaskScale tasks_;
};

}  // namespace longtail::methods

// CATS's meta-update (methods/cats.cpp) as a pure function over plain vectors, so tests and
// benchmarks can drive it without a model: per-language losses ℓ and the Gram matrix G of the
// per-language gradients (G_ij = ⟨g_i, g_j⟩) are all it reads.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace longtail::methods::cats {

enum class Simplex { Softmax, Projection };

struct UpdateConfig {
  double eta_alpha = 1e-2;   // primal step on α
  double eta_lambda = 1e-2;  // dual ascent step on λ_c
  // The curvature budget ε of ‖Σ α_n g_n‖² ≤ ε, fixed at the first update (State::epsilon):
  // epsilon_relative × αᵀGα there (α uniform), so ε has the scale of the model's gradients; with
  // epsilon_relative = 0, the absolute `epsilon`. 1 makes the starting point feasible with equality
  // (λ_c starts to grow only once α raises the curvature above where it started); below 1 the
  // constraint can be infeasible for every α (equal gradient norms: uniform α minimises αᵀGα) and
  // λ_c then grows without bound, as it does with an absolute ε far below the gradients' scale.
  double epsilon_relative = 1.0;
  double epsilon = 1e-3;
  Simplex simplex = Simplex::Softmax;
  double alpha_min = 0.0;    // Projection only: α_n ≥ alpha_min (needs L·alpha_min < 1)
};

struct State {
  std::vector<double> alpha;   // on the simplex
  std::vector<double> logits;  // Softmax: α = softmax(logits); empty for Projection
  double lambda = 0;           // λ_c ≥ 0
  double epsilon = std::nan("");  // ε, set by the first update (NaN before)
};

// α uniform, λ_c = 0 (both third-party implementations start from equal task weights).
State initial_state(size_t n_langs, Simplex simplex);

// αᵀ G α = ‖Σ_n α_n g_n‖²: the curvature proxy. `gram` is L×L, row-major.
double curvature(const std::vector<double>& alpha, const std::vector<double>& gram);

// One simultaneous primal-dual step on 𝓛(α, λ) = Σ_n α_n ℓ_n + λ (αᵀGα − ε), both gradients
// taken at the current (α, λ); the first call fixes ε (UpdateConfig::epsilon_relative):
//   ∇_α 𝓛 = ℓ + 2λ G α,   ∇_λ 𝓛 = αᵀGα − ε
//   α ← Π_Δ(α − η_α ∇_α 𝓛)  (Projection; Δ = {α ≥ alpha_min, Σ α = 1})
//   z ← z − η_α α ⊙ (∇_α 𝓛 − αᵀ∇_α 𝓛),  α = softmax(z)  (Softmax: the chain rule through softmax)
//   λ ← max(0, λ + η_λ (αᵀGα − ε))
// Returns the curvature αᵀGα at the α it started from.
double update(State& state, const std::vector<double>& losses, const std::vector<double>& gram, const UpdateConfig& cfg);

// Euclidean projection of v onto {x ≥ floor, Σ x = 1} (sort-based, Duchi et al. 2008).
std::vector<double> project_to_simplex(const std::vector<double>& v, double floor = 0.0);

}  // namespace longtail::methods::cats

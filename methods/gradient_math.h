// The pure mathematics of the gradient-geometry methods, as functions over Gram matrices (this
// header, LibTorch-free) and tensors (methods/gradient_methods.h), so tests can check them on
// hand-made vectors. Each is defined in its method's file
// (methods/pcgrad.cpp, gradvac.cpp, cagrad.cpp, gradnorm.cpp); the Gram-space functions are
// LibTorch-free, the tensor ones exist in the LONGTAIL_WITH_TORCH build (longtail-cell, tests).
//
// Conventions: K vectors g_0..g_{K-1}; gram is their K × K Gram matrix, row-major
// (gram[i·K + j] = g_i·g_j); a combination is returned as coefficients over the g_k, so the
// methods never materialise more than the [L × P] buffer of per-language gradients.
#pragma once

#include <cstdint>
#include <vector>

namespace longtail::methods {

// PCGrad (Yu et al. 2020): for each i, for j in order[i] (the others, shuffled): if g_i^PC·g_j < 0,
// g_i^PC -= (g_i^PC·g_j / ‖g_j‖²) g_j. Returns A (K × K) with g_i^PC = Σ_k A[i·K + k] g_k.
std::vector<double> pcgrad_coefficients(const std::vector<double>& gram, int64_t k,
                                        const std::vector<std::vector<int64_t>>& order);

// GradVac (Wang et al. 2021): for each i, for j in order[i]: φ = cos(g_i', g_j); if φ < φ̂_ij,
// g_i' += ‖g_i'‖(φ̂√(1−φ²) − φ√(1−φ̂²)) / (‖g_j‖√(1−φ̂²)) · g_j; then φ̂_ij ← (1−β)φ̂_ij + βφ.
// targets is φ̂ (K × K, row-major), updated in place. Returns A as for PCGrad.
std::vector<double> gradvac_coefficients(const std::vector<double>& gram, int64_t k,
                                         const std::vector<std::vector<int64_t>>& order,
                                         std::vector<double>& targets, double beta);

// CAGrad (Liu et al. 2021): max_d min_i g_i·d s.t. ‖d − g_0‖ ≤ c‖g_0‖, g_0 = mean of the g_i. Its
// dual is min over the simplex of F(w) = g_w·g_0 + c‖g_0‖‖g_w‖ (g_w = Σ w_i g_i), and
// d = g_0 + (c‖g_0‖/‖g_w‖) g_w. Solved by accelerated projected gradient on the simplex until the
// duality gap F(w) − min_i g_i·d(w) (≥ 0, and 0 exactly at the optimum) is ≤ tol·max(|F(w_0)|, ‖g_0‖²).
struct CAGradSolution {
  std::vector<double> w;     // the simplex weights
  std::vector<double> coef;  // d = Σ_i coef[i] g_i
  double dual = 0;           // F(w): an upper bound of the optimum
  double primal = 0;         // min_i g_i·d: achieved by d, a lower bound
  int iterations = 0;
};
CAGradSolution cagrad_solve(const std::vector<double>& gram, int64_t k, double c, double tol = 1e-7, int max_iterations = 5000);

// GradNorm (Chen et al. 2018), one update of the task weights: with G_i = w_i n_i (n_i = ‖∇_W L_i‖),
// Ḡ = mean G, r_i = L̃_i / mean L̃ (L̃_i = L_i(t)/L_i(0)), the loss Σ_i |G_i − Ḡ r_i^α| (target held
// constant) has ∂/∂w_i = sign(G_i − Ḡ r_i^α) n_i; one gradient step of size lr, weights kept ≥ 1e-3,
// then renormalised to Σ w = their number. Languages not present keep their weight before the
// renormalisation.
std::vector<double> gradnorm_update(const std::vector<double>& w, const std::vector<double>& norms,
                                    const std::vector<double>& loss_ratio, const std::vector<bool>& present,
                                    double alpha, double lr);

}  // namespace longtail::methods

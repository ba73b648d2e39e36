// Token-to-expert routing for BASE layers (Lewis et al. 2021, "BASE Layers: Simplifying Training of
// Large, Sparse Models"): the balanced linear assignment used in training and the greedy top-1
// assignment used at inference. Both are LibTorch tensor programs, so they run on the device that
// holds the scores (CPU or CUDA) without copying the scores to the host.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace longtail::model {

struct BalancedAssignment {
  // [E·k] token indices, expert-major: expert e takes order[e·k, (e+1)·k). A permutation of [0, T).
  torch::Tensor order;
  int64_t iterations = 0;  // auction rounds until every token had a bidder
};

// fairseq's auction algorithm (fairseq/clib/libbase/balanced_assignment.cpp, after Bertsekas'
// auction with each of the E "workers" bidding for k = T/E "jobs" at once):
//   ε = (max s − min s)/50, at least 1e-4; every round each expert bids, on its k most valuable
//   tokens, the value margin over its (k+1)-th token plus ε; each token goes to its highest bidder
//   and its price rises by that bid; the round's winners keep their tokens at the top of their lists
//   (value := max s) and bid ε on them next round. After `max_exact_iterations` rounds the winners'
//   values fall back to their plain scores (fairseq's fast approximation, which ends the auction
//   quickly from the current solution). Stops when every token has a bid.
// The result maximises Σ s within T·ε of the optimum when the auction ends in the exact phase.
// scores: [T, E] (float; any device), T a multiple of E, no NaN/inf (see route_balanced).
BalancedAssignment balanced_assignment(const torch::Tensor& scores, int64_t max_exact_iterations = 100);

// Greedy top-1 (fairseq's greedy_assignment with k = 1): [T] expert index of each token's best
// score. Not balanced; used at inference, where the assignment of one token must not depend on the
// others in the batch.
torch::Tensor greedy_assignment(const torch::Tensor& scores);

// balanced_assignment for any T ≥ 1: when E does not divide T, the scores are padded with
// ⌈T/E⌉·E − T dummy tokens whose score is the same for every expert (the smallest real score), so
// that they cannot change which assignment of the real tokens is optimal; every expert then gets
// exactly ⌈T/E⌉ slots, i.e. ⌈T/E⌉ or ⌈T/E⌉ − 1 real tokens (the tightest balance there is).
// Dummies are indices ≥ T in `order`. Non-finite scores are replaced by the smallest finite one,
// as fairseq does, since a NaN or inf would poison ε and every bid.
BalancedAssignment route_balanced(const torch::Tensor& scores, int64_t max_exact_iterations = 100);

}  // namespace longtail::model

// What a "task" is for the methods that combine per-language gradients (PCGrad, GradVac, CAGrad,
// GradNorm: their `tasks` parameter). LibTorch-free, so the method side can hold it.
//
// With G_l = ∇(L_l / N_l) (language l's mean token loss in the batch: L_l its loss sum, N_l its
// target tokens, N = Σ_l N_l) and w_l the method's loss weights, task l's gradient is g_l = c_l G_l:
//   Equal  c_l = w_l / K (K: the batch's languages). Every language is one task with its mean loss,
//          as the multi-task papers define a task; the objective is (1/K) Σ_l w_l L_l / N_l, the
//          papers' Σ_l w_l L_l divided by K so that the step keeps the size of a mean (Adam is
//          invariant to the factor up to its ε; gradient clipping is not).
//   Share  c_l = w_l N_l / N: language l's token share of the ordinary objective Σ_l w_l L_l / N,
//          so Σ_l g_l is the ordinary step and a rare language is a small task.
#pragma once

#include <string>

namespace longtail::train {

enum class TaskScale { Equal, Share };

inline TaskScale task_scale_of(const std::string& name) { return name == "share" ? TaskScale::Share : TaskScale::Equal; }
inline const char* task_scale_name(TaskScale t) { return t == TaskScale::Share ? "share" : "equal"; }

}  // namespace longtail::train

// The LibTorch step hook of a method (its registration's LONGTAIL_STEP_HOOK), for the programs
// that link ${LONGTAIL_METHODS_TORCH}: the cell and the LibTorch tests and benchmarks.
#pragma once

#include <memory>
#include <stdexcept>
#include <typeinfo>

#include "harness/train/step_hook.h"
#include "methods/method.h"

namespace longtail::methods {

// Null when the method does not take over the step; throws std::runtime_error when it does but its
// hook is not linked (a program linking ${LONGTAIL_METHODS} instead of ${LONGTAIL_METHODS_TORCH}).
inline std::unique_ptr<train::StepHook> make_step_hook(Method& method) {
  const StepHookSlot& slot = method.hook_;
  if (!slot.takes_over_step) return nullptr;
  if (!slot.make) throw std::runtime_error("method " + method.name_ + " takes over the optimisation step but no step hook is linked");
  if (slot.method_type && typeid(method) != *slot.method_type)
    throw std::logic_error("method " + method.name_ + ": its factory made another type than its step hook expects");
  return slot.make(method);
}

}  // namespace longtail::methods

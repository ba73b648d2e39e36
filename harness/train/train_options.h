// Option tables of the suite's "train" and "eval" objects (pure; shared by driver and cell).
#pragma once

#include "harness/common/options.h"

namespace longtail::train {

const OptionTable& train_options();
const OptionTable& eval_options();

}  // namespace longtail::train

// Catch2 after LibTorch: Debian's LibTorch pulls in glog, whose CHECK(cond) would silently replace
// Catch's CHECK (aborting instead of reporting, and uncounted). Include every LibTorch and project
// header first, then this one; include guards keep glog from redefining CHECK afterwards.
#pragma once

#include <torch/torch.h>

#ifdef CHECK
#undef CHECK
#endif
#include <catch2/catch.hpp>

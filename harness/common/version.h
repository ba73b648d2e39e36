// What every result records about the software that produced it.
#pragma once

#include <string>

namespace longtail {

std::string longtail_version();  // "0.1.0"
std::string git_commit();        // short hash at build time, or "unknown"

}  // namespace longtail

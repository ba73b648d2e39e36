#include "harness/common/version.h"

#include "git_commit.h"  // generated at build time

namespace longtail {

std::string longtail_version() { return LONGTAIL_VERSION; }
std::string git_commit() { return LONGTAIL_GIT_COMMIT; }

}  // namespace longtail

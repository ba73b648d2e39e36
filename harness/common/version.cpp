#include "harness/common/version.h"

namespace longtail {

std::string longtail_version() { return LONGTAIL_VERSION; }
std::string git_commit() { return LONGTAIL_GIT_COMMIT; }

}  // namespace longtail

#include "tools/dockerless/build_info.h"

namespace krl::tools::dockerless {

// Only this file sees the define (local_defines), so flipping the configuration recompiles one
// file, not every target that links this library.
bool DockerlessBuild() {
#if defined(KRL_DOCKERLESS) && KRL_DOCKERLESS
  return true;
#else
  return false;
#endif
}

std::string BuildInfoLine() { return DockerlessBuild() ? "dockerless: true" : "dockerless: false"; }

}  // namespace krl::tools::dockerless

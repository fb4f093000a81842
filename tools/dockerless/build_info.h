// What kind of build this binary is, for --version output.
//
// The default build is dockerless: .bazelrc applies --config=dockerless, which sets
// --define=krl_dockerless=true, and //bazel:dockerless turns that into KRL_DOCKERLESS=1 for
// build_info.cc alone. The node agent and tools/cri print BuildInfoLine() in their version output.
//
//   #include "tools/dockerless/build_info.h"
//   std::cout << "nodeagent 0.1.0\n" << krl::tools::dockerless::BuildInfoLine() << "\n";
//   // prints "dockerless: true" in the default build
#ifndef KRL_TOOLS_DOCKERLESS_BUILD_INFO_H_
#define KRL_TOOLS_DOCKERLESS_BUILD_INFO_H_

#include <string>

namespace krl::tools::dockerless {

// True when the binary was built with --config=dockerless (the default).
bool DockerlessBuild();

// "dockerless: true" or "dockerless: false", one line without a newline.
std::string BuildInfoLine();

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_BUILD_INFO_H_

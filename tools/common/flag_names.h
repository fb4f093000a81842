// Flag spelling shared by the project's binaries: absl flags are declared with underscores,
// users type the kubelet's dashed spelling (`--pod-manifest-path`); both are accepted.
//
//   std::vector<std::string> args = tools::NormalizeFlagNames(argc, argv);
//   std::vector<char*> argv2;  // point at args, then absl::ParseCommandLine(...)
#ifndef KRL_TOOLS_COMMON_FLAG_NAMES_H_
#define KRL_TOOLS_COMMON_FLAG_NAMES_H_

#include <string>
#include <vector>

namespace krl {
namespace tools {

// A copy of argv where every `--long-flag[=value]` before a bare `--` has its name's dashes
// turned into underscores; values and positional arguments are untouched.
std::vector<std::string> NormalizeFlagNames(int argc, char** argv);

}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_COMMON_FLAG_NAMES_H_

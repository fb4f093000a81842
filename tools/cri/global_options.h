// GlobalOptions: the cri command's connection flags and environment, before the command name.
//
//   absl::StatusOr<GlobalOptions> options = ParseGlobalOptions(args, std::getenv);
//   // cri --runtime-endpoint unix:///run/crio/crio.sock --timeout 5s ps -a
//   //   -> runtime_endpoint "unix:///run/crio/crio.sock", timeout 5 s, command_args {"ps", "-a"}
//
// Precedence: flag, then environment (CONTAINER_RUNTIME_ENDPOINT, IMAGE_SERVICE_ENDPOINT), then
// the default endpoint; the image endpoint defaults to the runtime endpoint.
#ifndef KRL_TOOLS_CRI_GLOBAL_OPTIONS_H_
#define KRL_TOOLS_CRI_GLOBAL_OPTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace krl {
namespace tools {
namespace cri_cli {

inline constexpr char kDefaultRuntimeEndpoint[] = "unix:///run/containerd/containerd.sock";
inline constexpr char kRuntimeEndpointEnv[] = "CONTAINER_RUNTIME_ENDPOINT";
inline constexpr char kImageEndpointEnv[] = "IMAGE_SERVICE_ENDPOINT";

struct GlobalOptions {
  std::string runtime_endpoint = kDefaultRuntimeEndpoint;
  std::string image_endpoint;  // resolved: never empty after parsing
  // Connection and per-call deadline. 10 s rather than 2 s: starting a pod on a busy node (or
  // with a sandbox image to pull) often takes longer, and a debugging tool should not give up
  // first. Pulls keep the client's long pull deadline.
  absl::Duration timeout = absl::Seconds(10);
  bool help = false;  // -h/--help before any command
  // -D/--debug: the client library's log lines (connections, failed calls) on stderr. Off by
  // default: the command prints its own errors, and stdout carries only results.
  bool debug = false;
  std::vector<std::string> command_args;  // the command name and everything after it
};

// `args` excludes the program name. InvalidArgument names the bad flag or value. Durations take
// Go/absl syntax ("500ms", "2s", "1m") or plain seconds ("5").
absl::StatusOr<GlobalOptions> ParseGlobalOptions(
    const std::vector<std::string>& args, const std::function<const char*(const char*)>& getenv);

// The help text of the global flags, for the usage message.
const char* GlobalOptionsHelp();

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_CRI_GLOBAL_OPTIONS_H_

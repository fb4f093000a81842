// Asks a CRI endpoint who it is: stat the socket, then one Version call over CRI v1 with a
// deadline. Used by the migration check for every socket it finds.
//
//   RuntimeProbe probe = ProbeRuntime("unix:///run/containerd/containerd.sock",
//                                     "/run/containerd/containerd.sock", absl::Seconds(2));
//   if (probe.answered) std::cout << probe.runtime_name << " " << probe.runtime_version << "\n";
#ifndef KRL_TOOLS_DOCKERLESS_CHECK_RUNTIME_PROBE_H_
#define KRL_TOOLS_DOCKERLESS_CHECK_RUNTIME_PROBE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace krl::tools::dockerless_check {

struct RuntimeProbe {
  std::string endpoint;   // as the kubelet should be given it: unix:///path
  std::string dial_path;  // the socket actually dialed (differs under --host-root)
  bool present = false;   // something exists at dial_path
  bool is_socket = false;
  bool answered = false;  // Version succeeded
  std::string runtime_name;
  std::string runtime_version;
  std::string runtime_api_version;
  std::string error;  // why it did not answer
};

// `unix:///path` or `/path` -> `unix:///path`. Only unix sockets are CRI endpoints on Linux.
[[nodiscard]] absl::StatusOr<std::string> NormalizeEndpoint(absl::string_view endpoint);

// The path of a normalized endpoint (`unix:///path` -> `/path`).
std::string EndpointPath(absl::string_view endpoint);

// Never blocks longer than `timeout` (plus a stat). Thread-compatible: no shared state.
RuntimeProbe ProbeRuntime(const std::string& endpoint, const std::string& dial_path,
                          absl::Duration timeout);

}  // namespace krl::tools::dockerless_check

#endif  // KRL_TOOLS_DOCKERLESS_CHECK_RUNTIME_PROBE_H_

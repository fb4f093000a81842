// RemoteOptions: how the CRI client reaches a runtime and how long it waits for it.
//
//   RemoteOptions options;
//   options.runtime_endpoint = "unix:///run/containerd/containerd.sock";
//   auto runtime = RemoteRuntimeService::Create(options);
#ifndef KRL_RUNTIME_REMOTE_REMOTE_OPTIONS_H_
#define KRL_RUNTIME_REMOTE_REMOTE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "runtime/util/clock.h"

namespace krl {
namespace runtime {
namespace remote {

// The CRI client's size bounds (README.md, "Limits"). The kubelet's: no single response larger
// than 16 MiB (containerd and CRI-O refuse to send larger ones too). Ours: a list read through a
// streaming RPC (StreamContainers, ...; each message under 16 MiB) stops at 64 MiB of messages
// in all, so a runtime holding a million objects cannot make one list take the agent's memory.
inline constexpr int kDefaultMaxReceiveMessageSize = 16 * 1024 * 1024;
inline constexpr int64_t kDefaultMaxStreamedListBytes = 64 * 1024 * 1024;

struct RemoteOptions {
  // The runtime's socket: unix:///path (a bare absolute path is accepted with a warning).
  // The kubelet's --container-runtime-endpoint.
  std::string runtime_endpoint;
  // The image service's socket; empty means runtime_endpoint (one channel serves both).
  // The kubelet's --image-service-endpoint.
  std::string image_endpoint;

  // How long Create waits for the socket to accept a connection. Create fails fast after it,
  // as the kubelet fails at start when the runtime is absent; a supervisor restarts the agent.
  // Later calls never wait for a reconnect: they fail Unavailable while the runtime is down and
  // succeed again once the channel has reconnected by itself.
  absl::Duration connect_timeout = absl::Seconds(10);
  // The deadline of every call (the kubelet's --runtime-request-timeout, 2 minutes). Some calls
  // get more: RunPodSandbox twice this, StopContainer its grace period plus this, ExecSync its
  // command timeout plus this (no deadline when the command has none).
  absl::Duration request_timeout = absl::Minutes(2);
  // The deadline of PullImage. Large images on slow links take many minutes; 30 minutes bounds
  // a hung registry without failing honest pulls. absl::InfiniteDuration() means no deadline,
  // as the kubelet does.
  absl::Duration pull_image_timeout = absl::Minutes(30);
  // Largest response accepted, in bytes. 16 MiB as the kubelet (gRPC's own default is 4 MiB);
  // raise it on nodes with many thousands of containers whose runtime has no streaming lists
  // (and whose runtime's own send limit allows larger answers: containerd's is 16 MiB too).
  // A larger answer fails with ResourceExhausted naming the RPC and this option.
  int max_receive_message_size = kDefaultMaxReceiveMessageSize;
  // Largest list read through a streaming list RPC, in bytes of its messages together. Past it
  // the list fails with ResourceExhausted naming the RPC and this option (nothing of it is
  // returned, as with an oversized unary answer); the next list tries again.
  int64_t max_streamed_list_bytes = kDefaultMaxStreamedListBytes;
  // Time source of log reduction; nullptr means RealClock. Not owned; must outlive the client.
  Clock* clock = nullptr;
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REMOTE_OPTIONS_H_

// OpenCriChannel: the one gRPC channel of a CRI endpoint, created once per client.
//
// The channel reconnects by itself after the runtime restarts (back-off from 100 ms up to 3 s),
// so the client never re-dials; calls made while the runtime is down fail Unavailable.
//
//   absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenCriChannel(endpoint, options);
//   if (!channel.ok()) return channel.status();  // bad endpoint or no runtime listening
//   auto stub = cri::RuntimeService::NewStub(*channel);
#ifndef KRL_RUNTIME_REMOTE_CRI_CHANNEL_H_
#define KRL_RUNTIME_REMOTE_CRI_CHANNEL_H_

#include <grpcpp/channel.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/remote/remote_options.h"

namespace krl {
namespace runtime {
namespace remote {

// Parses `endpoint` (see runtime/endpoint.h), creates the channel with
// options.max_receive_message_size and the reconnect back-off, and waits up to
// options.connect_timeout for it to connect. InvalidArgument for a bad endpoint or option,
// Unavailable when nothing accepts the connection in time. Thread safe.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenCriChannel(
    absl::string_view endpoint, const RemoteOptions& options);

// Waits up to `timeout` for `channel` to connect; Unavailable naming `endpoint` otherwise.
[[nodiscard]] absl::Status WaitForCriChannel(grpc::Channel& channel, absl::string_view endpoint,
                                             absl::Duration timeout);

// InvalidArgument when a timeout or the message size limit is not positive.
[[nodiscard]] absl::Status CheckRemoteOptions(const RemoteOptions& options);

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_CRI_CHANNEL_H_

#include "runtime/remote/cri_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/endpoint.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

// A restarted runtime is back within seconds; a short back-off cap reconnects soon after it.
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 3000;

}  // namespace

absl::Status CheckRemoteOptions(const RemoteOptions& options) {
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("CRI client: connect_timeout must be positive");
  }
  if (options.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("CRI client: request_timeout must be positive");
  }
  if (options.pull_image_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "CRI client: pull_image_timeout must be positive (absl::InfiniteDuration() for none)");
  }
  if (options.max_receive_message_size <= 0) {
    return absl::InvalidArgumentError("CRI client: max_receive_message_size must be positive");
  }
  if (options.max_streamed_list_bytes <= 0) {
    return absl::InvalidArgumentError("CRI client: max_streamed_list_bytes must be positive");
  }
  return absl::OkStatus();
}

absl::Status WaitForCriChannel(grpc::Channel& channel, absl::string_view endpoint,
                               absl::Duration timeout) {
  if (channel.WaitForConnected(absl::ToChronoTime(absl::Now() + timeout))) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(
      absl::StrCat("cannot connect to the container runtime at \"", endpoint, "\" within ",
                   absl::FormatDuration(timeout),
                   ": is the runtime running, and does --container-runtime-endpoint (or "
                   "--image-service-endpoint) name its socket?"));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenCriChannel(absl::string_view endpoint,
                                                              const RemoteOptions& options) {
  if (absl::Status valid = CheckRemoteOptions(options); !valid.ok()) return valid;
  absl::StatusOr<std::string> target = ParseEndpoint(endpoint);
  if (!target.ok()) return target.status();

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_message_size);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(*target, grpc::InsecureChannelCredentials(), args);
  if (absl::Status connected = WaitForCriChannel(*channel, *target, options.connect_timeout);
      !connected.ok()) {
    return connected;
  }
  return channel;
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl

// RemoteServices: the runtime and image services of one node, created together.
//
// When the image endpoint is empty or equal to the runtime endpoint (containerd, CRI-O) both
// services share one channel, as the kubelet does.
//
//   absl::StatusOr<RemoteServices> services = CreateRemoteServices(options);
//   if (!services.ok()) return services.status();
//   auto version = services->runtime->Version(cri::VersionRequest());
#ifndef KRL_RUNTIME_REMOTE_REMOTE_SERVICES_H_
#define KRL_RUNTIME_REMOTE_REMOTE_SERVICES_H_

#include <memory>

#include "absl/status/statusor.h"
#include "runtime/remote/remote_image_service.h"
#include "runtime/remote/remote_options.h"
#include "runtime/remote/remote_runtime_service.h"

namespace krl {
namespace runtime {
namespace remote {

struct RemoteServices {
  std::unique_ptr<RemoteRuntimeService> runtime;
  std::unique_ptr<RemoteImageService> image;
};

// Creates both services (see their Create for errors). Thread safe.
[[nodiscard]] absl::StatusOr<RemoteServices> CreateRemoteServices(const RemoteOptions& options);

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REMOTE_SERVICES_H_

#include "runtime/remote/remote_services.h"

#include <utility>

namespace krl {
namespace runtime {
namespace remote {

absl::StatusOr<RemoteServices> CreateRemoteServices(const RemoteOptions& options) {
  absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> runtime =
      RemoteRuntimeService::Create(options);
  if (!runtime.ok()) return runtime.status();
  const bool shared =
      options.image_endpoint.empty() || options.image_endpoint == options.runtime_endpoint;
  absl::StatusOr<std::unique_ptr<RemoteImageService>> image =
      shared ? RemoteImageService::CreateWithChannel(options, (*runtime)->channel())
             : RemoteImageService::Create(options);
  if (!image.ok()) return image.status();
  RemoteServices services;
  services.runtime = *std::move(runtime);
  services.image = *std::move(image);
  return services;
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl

// ImageService: the CRI v1 ImageService as a C++ interface, one method per RPC.
//
//   std::unique_ptr<ImageService> is = ...;  // remote::RemoteImageService, FakeImageService
//   cri::PullImageRequest pull;
//   pull.mutable_image()->set_image("registry.example/app:1.0");
//   absl::StatusOr<cri::PullImageResponse> pulled = is->PullImage(pull);
//
// Contracts: the same as RuntimeService's (any thread; gRPC codes kept; messages name the RPC).
// ImageStatus of an unknown image is not an error: the response simply has no image, as in CRI.
// RemoveImage of an unknown image succeeds. Credentials in a PullImageRequest's AuthConfig never
// appear in a log line or an error message of any implementation.
#ifndef KRL_RUNTIME_IMAGE_SERVICE_H_
#define KRL_RUNTIME_IMAGE_SERVICE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace runtime {

class ImageService {
 public:
  virtual ~ImageService() = default;

  [[nodiscard]] virtual absl::StatusOr<cri::ListImagesResponse> ListImages(
      const cri::ListImagesRequest& request) = 0;
  // Server streaming: on_message runs on the calling thread for every message, in order.
  [[nodiscard]] virtual absl::Status StreamImages(
      const cri::StreamImagesRequest& request,
      const std::function<void(cri::StreamImagesResponse&& message)>& on_message) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ImageStatusResponse> ImageStatus(
      const cri::ImageStatusRequest& request) = 0;
  // Has its own (longer) deadline in the remote client: pulls of large images take minutes.
  [[nodiscard]] virtual absl::StatusOr<cri::PullImageResponse> PullImage(
      const cri::PullImageRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::RemoveImageResponse> RemoveImage(
      const cri::RemoveImageRequest& request) = 0;
  // Usage of the filesystems that hold images and container writable layers.
  [[nodiscard]] virtual absl::StatusOr<cri::ImageFsInfoResponse> ImageFsInfo(
      const cri::ImageFsInfoRequest& request) = 0;
};

}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_IMAGE_SERVICE_H_

#include "kubelet_core/container/simple_image_manager.h"

#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace container {

absl::StatusOr<std::string> SimpleImageManager::EnsureImageExists(
    const corev1::Pod& pod, const corev1::Container& container,
    const cri::PodSandboxConfig& sandbox_config) {
  if (container.image.empty()) {
    return ImageError(absl::StatusCode::kInvalidArgument, kErrInvalidImageName,
                      absl::StrCat("container ", container.name, " has no image"));
  }
  const corev1::PullPolicy policy = corev1::EffectivePullPolicy(container);
  if (policy != corev1::PullPolicy::kAlways) {
    cri::ImageStatusRequest status_request;
    status_request.mutable_image()->set_image(container.image);
    absl::StatusOr<cri::ImageStatusResponse> present = images_.ImageStatus(status_request);
    if (!present.ok()) {
      return ImageError(present.status().code(), kErrImageInspect,
                        absl::StrCat("Failed to inspect image \"", container.image,
                                     "\": ", present.status().message()));
    }
    if (present->has_image() && !present->image().id().empty()) return present->image().id();
    if (policy == corev1::PullPolicy::kNever) {
      return ImageError(absl::StatusCode::kFailedPrecondition, kErrImageNeverPull,
                        absl::StrCat("Container image \"", container.image,
                                     "\" is not present with pull policy of Never"));
    }
  }
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image(container.image);
  *pull.mutable_sandbox_config() = sandbox_config;
  absl::StatusOr<cri::PullImageResponse> pulled = images_.PullImage(pull);
  if (!pulled.ok()) {
    return ImageError(pulled.status().code(), kErrImagePull, pulled.status().message());
  }
  if (pulled->image_ref().empty()) {
    return ImageError(absl::StatusCode::kUnknown, kErrImagePull,
                      absl::StrCat("pulling \"", container.image, "\" gave no image reference"));
  }
  return pulled->image_ref();
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

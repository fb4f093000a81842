// ImageManager: what the runtime manager asks before it creates a container: "make sure this
// container's image is on the node, and tell me the image reference to create it from".
//
//   absl::StatusOr<std::string> ref = images.EnsureImageExists(pod, container, sandbox_config);
//   if (!ref.ok()) waiting_reason = container::ImageErrorReason(ref.status());  // ErrImagePull...
//   create.mutable_config()->mutable_image()->set_image(*ref);
//
// The runtime manager (kubelet_core/kuberuntime) depends only on this interface; the kubelet-like
// implementation with pull policies, pull back-off and serialized pulls lives in
// kubelet_core/images. Failures carry the kubelet's waiting reason (ErrImagePull,
// ImagePullBackOff, ErrImageNeverPull, InvalidImageName, ...) as a payload of the absl::Status,
// so the manager can report it in the container's waiting state without parsing messages.
#ifndef KRL_KUBELET_CORE_CONTAINER_IMAGE_MANAGER_H_
#define KRL_KUBELET_CORE_CONTAINER_IMAGE_MANAGER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace kubelet_core {
namespace container {

// The kubelet's waiting reasons for image failures (pkg/kubelet/images errors).
inline constexpr absl::string_view kErrImagePull = "ErrImagePull";
inline constexpr absl::string_view kImagePullBackOff = "ImagePullBackOff";
inline constexpr absl::string_view kErrImageNeverPull = "ErrImageNeverPull";
inline constexpr absl::string_view kErrImageInspect = "ImageInspectError";
inline constexpr absl::string_view kErrInvalidImageName = "InvalidImageName";

// The absl::Status payload URL under which the reason is stored.
inline constexpr absl::string_view kImageErrorReasonPayload = "type.krl.dev/kubelet.image.reason";

// An error status of `code` with `message` carrying the kubelet `reason` (one of the constants
// above). Implementations of ImageManager return their failures built with this.
inline absl::Status ImageError(absl::StatusCode code, absl::string_view reason,
                               absl::string_view message) {
  absl::Status status(code, message);
  status.SetPayload(kImageErrorReasonPayload, absl::Cord(reason));
  return status;
}

// The kubelet reason of a failed EnsureImageExists: the payload set by ImageError, or
// ErrImagePull for any other error; empty for OK.
inline std::string ImageErrorReason(const absl::Status& status) {
  if (status.ok()) return "";
  absl::optional<absl::Cord> reason = status.GetPayload(kImageErrorReasonPayload);
  if (!reason.has_value()) return std::string(kErrImagePull);
  return std::string(*reason);
}

// Called from pod workers (one per pod, concurrently for different pods): implementations are
// thread safe.
class ImageManager {
 public:
  virtual ~ImageManager() = default;

  // Ensures the image of `container` (of `pod`) is present, pulling it as the container's
  // imagePullPolicy says. Returns the image reference to pass to CreateContainer (the image id
  // or the resolved reference the runtime reported). `sandbox_config` is the pod's sandbox
  // config, passed on in PullImageRequest.sandbox_config as the kubelet does. Failures carry a
  // reason (see ImageErrorReason). Idempotent; may block for the duration of a pull.
  [[nodiscard]] virtual absl::StatusOr<std::string> EnsureImageExists(
      const corev1::Pod& pod, const corev1::Container& container,
      const cri::PodSandboxConfig& sandbox_config) = 0;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_IMAGE_MANAGER_H_

// ImagePullManager: the kubelet's image manager. Before a container is created it decides, from
// the container's imagePullPolicy, whether the image must be pulled, pulls it through an
// ImagePuller, and backs off failing pulls per pod and image.
//
//   auto images = ImagePullManager::Create(image_service, clock, ImagePullManager::Options());
//   absl::StatusOr<std::string> ref = (*images)->EnsureImageExists(pod, container, sandbox_config);
//   if (!ref.ok()) reason = container::ImageErrorReason(ref.status());  // ErrImagePull, ...
//
// Per call, in the kubelet's order:
//   1. the image is parsed (InvalidImageName when malformed; ":latest" added when untagged);
//   2. ImageStatus says whether it is present (ImageInspectError when that call fails);
//   3. the policy decides: Never and absent is ErrImageNeverPull, present and not Always returns
//      the image id without pulling;
//   4. a pod and image in back-off is ImagePullBackOff, without a pull;
//   5. otherwise the image is pulled; a failure is ErrImagePull and grows the back-off of
//      "<pod uid>_<image>" (10 s doubling to 300 s by default).
// Every failure is built with container::ImageError, so the reason travels as a status payload.
//
// Threads: pod workers call EnsureImageExists concurrently; the back-off and the puller are
// thread safe, and this class has no other mutable state.
#ifndef KRL_KUBELET_CORE_IMAGES_IMAGE_PULL_MANAGER_H_
#define KRL_KUBELET_CORE_IMAGES_IMAGE_PULL_MANAGER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/image_manager.h"
#include "kubelet_core/images/image_puller.h"
#include "kubelet_core/util/backoff.h"
#include "runtime/image_service.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace images {

class ImagePullManager final : public container::ImageManager {
 public:
  struct Options {
    // Concurrency and credentials of pulls (serialized by default).
    ImagePuller::Options puller;
    // The pull back-off curve; the kubelet's is 10 s doubling to 300 s.
    absl::Duration backoff_initial = BackOff::kDefaultInitial;
    absl::Duration backoff_max = BackOff::kDefaultMax;
  };

  // `image_service` and `clock` are not owned and must outlive the manager. InvalidArgument for
  // bad puller options or a back-off curve that is not positive and increasing.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ImagePullManager>> Create(
      runtime::ImageService& image_service, Clock& clock, Options options);

  // See container::ImageManager and the overview above. `sandbox_config` goes into the
  // PullImageRequest unless it is empty (a default-constructed message).
  [[nodiscard]] absl::StatusOr<std::string> EnsureImageExists(
      const corev1::Pod& pod, const corev1::Container& container,
      const cri::PodSandboxConfig& sandbox_config) override;

  // The back-off key of a pod and image: "<pod uid>_<image with default tag>".
  static std::string BackOffKey(const corev1::Pod& pod, absl::string_view image);

  const BackOff& backoff() const { return backoff_; }
  const ImagePuller& puller() const { return *puller_; }

 private:
  ImagePullManager(runtime::ImageService& image_service, Clock& clock, Options options,
                   std::unique_ptr<ImagePuller> puller);

  runtime::ImageService& image_service_;
  Clock& clock_;
  BackOff backoff_;
  std::unique_ptr<ImagePuller> puller_;
};

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_IMAGES_IMAGE_PULL_MANAGER_H_

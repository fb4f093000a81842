// SimpleImageManager: the smallest ImageManager: honours imagePullPolicy (Always pulls, Never
// never does, IfNotPresent pulls when absent) through a CRI ImageService, with no pull back-off
// and no serialization. For tests and small embeddings; kubelet_core/images has the kubelet's
// full behaviour (pull back-off, ImagePullBackOff, serialized pulls).
//
//   container::SimpleImageManager images(image_service);
//   absl::StatusOr<std::string> ref = images.EnsureImageExists(pod, pod.spec.containers[0], cfg);
//
// Thread safe (the image service is).
#ifndef KRL_KUBELET_CORE_CONTAINER_SIMPLE_IMAGE_MANAGER_H_
#define KRL_KUBELET_CORE_CONTAINER_SIMPLE_IMAGE_MANAGER_H_

#include <string>

#include "kubelet_core/container/image_manager.h"
#include "runtime/image_service.h"

namespace krl {
namespace kubelet_core {
namespace container {

class SimpleImageManager final : public ImageManager {
 public:
  // `images` is not owned and must outlive this.
  explicit SimpleImageManager(runtime::ImageService& images) : images_(images) {}

  absl::StatusOr<std::string> EnsureImageExists(
      const corev1::Pod& pod, const corev1::Container& container,
      const cri::PodSandboxConfig& sandbox_config) override;

 private:
  runtime::ImageService& images_;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_SIMPLE_IMAGE_MANAGER_H_

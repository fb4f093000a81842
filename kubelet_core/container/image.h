// Image: an image the runtime holds, as Runtime::ListImages reports it.
//
//   absl::StatusOr<std::vector<container::Image>> images = runtime.ListImages();
//   for (const container::Image& image : *images) log::Info("image", {{"id", image.id}});
#ifndef KRL_KUBELET_CORE_CONTAINER_IMAGE_H_
#define KRL_KUBELET_CORE_CONTAINER_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace krl {
namespace kubelet_core {
namespace container {

struct Image {
  std::string id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  uint64_t size = 0;
  bool pinned = false;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_IMAGE_H_

#include "kubelet_core/pleg/pod_lifecycle_event.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

absl::string_view EventTypeName(PodLifecycleEventType type) {
  switch (type) {
    case PodLifecycleEventType::kContainerStarted:
      return "ContainerStarted";
    case PodLifecycleEventType::kContainerDied:
      return "ContainerDied";
    case PodLifecycleEventType::kContainerRemoved:
      return "ContainerRemoved";
    case PodLifecycleEventType::kPodSync:
      return "PodSync";
    case PodLifecycleEventType::kContainerChanged:
      return "ContainerChanged";
  }
  return "Unknown";
}

std::ostream& operator<<(std::ostream& os, const PodLifecycleEvent& event) {
  return os << EventTypeName(event.type) << " pod=" << event.pod_id
            << " container=" << event.container_id;
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

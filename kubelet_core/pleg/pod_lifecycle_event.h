// PodLifecycleEvent: one change the PLEG saw in the runtime ("container c of pod p started"),
// as the kubelet's pleg package names them. The agent's sync loop reacts to these events by
// syncing the pod; the event carries no status (the Cache holds it).
//
//   PodLifecycleEvent event{"pod-uid", PodLifecycleEventType::kContainerDied, "container-id"};
//   log::Info("pleg event", {{"type", EventTypeName(event.type)}, {"pod", event.pod_id}});
//   if (event.type != PodLifecycleEventType::kContainerRemoved) workers.UpdatePod(...);
//
// Plain value type; copy it.
#ifndef KRL_KUBELET_CORE_PLEG_POD_LIFECYCLE_EVENT_H_
#define KRL_KUBELET_CORE_PLEG_POD_LIFECYCLE_EVENT_H_

#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

enum class PodLifecycleEventType {
  // The container (or sandbox) is now running.
  kContainerStarted,
  // The container (or sandbox) is now exited, or vanished without having been seen exited.
  kContainerDied,
  // The container (or sandbox) is gone from the runtime.
  kContainerRemoved,
  // The pod needs a sync for a reason no single container event captures. Reserved: the kubelet
  // uses it for in-place resize watch conditions, which this project does not implement.
  kPodSync,
  // The container moved to a state the PLEG does not report on (created, unknown). Generated
  // but, like the kubelet, not delivered unless GenericPLEG::Options::deliver_container_changed.
  kContainerChanged,
};

// "ContainerStarted", "ContainerDied", "ContainerRemoved", "PodSync", "ContainerChanged".
absl::string_view EventTypeName(PodLifecycleEventType type);

struct PodLifecycleEvent {
  std::string pod_id;  // the pod uid
  PodLifecycleEventType type = PodLifecycleEventType::kContainerChanged;
  // The runtime id of the container or sandbox concerned (sandbox changes are reported with the
  // sandbox's id, as the kubelet does).
  std::string container_id;

  friend bool operator==(const PodLifecycleEvent& a, const PodLifecycleEvent& b) {
    return a.pod_id == b.pod_id && a.type == b.type && a.container_id == b.container_id;
  }
  friend bool operator!=(const PodLifecycleEvent& a, const PodLifecycleEvent& b) {
    return !(a == b);
  }
};

// "ContainerStarted pod=<uid> container=<id>", for logs and test failure messages.
std::ostream& operator<<(std::ostream& os, const PodLifecycleEvent& event);

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_POD_LIFECYCLE_EVENT_H_

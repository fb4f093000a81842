// PodStatusFromEvent: the pod status a CRI container event carries (its sandbox's status and
// the statuses of that sandbox's containers), as a container::PodStatus for the Cache, the way
// the kubelet's GeneratePodStatus reads an event.
//
//   absl::StatusOr<container::PodStatus> status = PodStatusFromEvent(runtime.Type(), event);
//   if (status.ok()) cache.Set(status->id, *status, absl::OkStatus(),
//                              absl::FromUnixNanos(event.created_at()));
//
// Identity comes from the sandbox metadata (uid, name, namespace); a container's name from its
// io.kubernetes.container.name label (else its metadata name), its spec hash (hex) and restart
// count from the io.kubernetes.container.hash / .restartCount annotations. Only the event's one
// sandbox is known, so older sandboxes and their containers are absent (as in the kubelet).
// container::Runtime has no such conversion, hence this one; an agent may plug the runtime
// manager's own through EventedPLEG::Options::convert_event. Pure function; thread safe.
#ifndef KRL_KUBELET_CORE_PLEG_POD_STATUS_FROM_EVENT_H_
#define KRL_KUBELET_CORE_PLEG_POD_STATUS_FROM_EVENT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/pod_status.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

// InvalidArgument when the event has no sandbox status, no sandbox metadata or no pod uid.
// `runtime_type` is the type of every ContainerID (Runtime::Type()).
[[nodiscard]] absl::StatusOr<container::PodStatus> PodStatusFromEvent(
    absl::string_view runtime_type, const cri::ContainerEventResponse& event);

// One CRI container status as the runtime-agnostic one.
container::ContainerStatus ContainerStatusFromCri(absl::string_view runtime_type,
                                                  const cri::ContainerStatus& status);

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_POD_STATUS_FROM_EVENT_H_

// The one conversion of CRI status messages into the runtime-agnostic container::PodStatus and
// container::ContainerStatus, as the kubelet's toKubeContainerStatus and GeneratePodStatus read
// them. The runtime manager's GetPodStatus and the evented PLEG (a pod status carried by a
// container event) both use it, so a status reads the same whichever path produced it.
//
//   container::ContainerStatus web = ContainerStatusFromCri(runtime.Type(), cri_status);
//   absl::StatusOr<container::PodStatus> pod = PodStatusFromEvent(runtime.Type(), event);
//
// What is read, and from where:
// - a container's name from its io.kubernetes.container.name label, else its metadata name; its
//   spec hash (hex) and restart count from the io.kubernetes.container.hash / .restartCount
//   annotations (missing or malformed: 0, a malformed one logged);
// - the image as the user wrote it (ImageSpec.user_specified_image) when the runtime reports it,
//   else ImageSpec.image; the image id, else the image ref;
// - started_at unless the container is only created; reason, message, exit code and finished_at
//   only when it exited (as the kubelet; runtimes may fill them otherwise).
// The termination message (a file of the container, or its log) is not read here: reading files
// is the runtime manager's part (KubeRuntimeManager adds it for exited containers).
//
// Pure functions of their arguments (apart from the log line); thread safe; any message a runtime
// may send, however malformed, is converted without failing or crashing (fuzzed by
// :status_conversion_fuzz_test).
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_STATUS_CONVERSION_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_STATUS_CONVERSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/pod_status.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// A CRI container state; an unknown or unset one is kUnknown.
container::State StateFromCri(cri::ContainerState state);

// One CRI container status; `runtime_type` is the type of its ContainerID (Runtime::Type()).
container::ContainerStatus ContainerStatusFromCri(absl::string_view runtime_type,
                                                  const cri::ContainerStatus& status);

// The IPs of a sandbox that is ready: its primary IP (when set), then the additional ones. None
// for a sandbox that is not ready.
std::vector<std::string> PodIPsFromSandbox(const cri::PodSandboxStatus& sandbox);

// Newest first, as GetPodStatus answers: by creation time, and for one creation time (a coarse
// clock) the higher restart count first. Stable otherwise.
void SortNewestFirst(std::vector<container::ContainerStatus>* statuses);

// The pod status a container event carries: identity (uid, name, namespace) from its sandbox's
// metadata, the sandbox's status and IPs, every container status of the event (newest first),
// and the event's time as the status's timestamp. Only the event's one sandbox is known, so older
// sandboxes and their containers are absent (as in the kubelet). InvalidArgument when the event
// has no sandbox status, no sandbox metadata or no pod uid.
[[nodiscard]] absl::StatusOr<container::PodStatus> PodStatusFromEvent(
    absl::string_view runtime_type, const cri::ContainerEventResponse& event);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_STATUS_CONVERSION_H_

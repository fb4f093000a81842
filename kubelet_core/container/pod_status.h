// PodStatus and ContainerStatus: what the runtime reports for one pod (GetPodStatus): every
// sandbox's CRI status and every container's state, times, exit code, reason, message, spec hash,
// restart count and image, newest first. The manager derives its decisions from it
// (ComputePodActions) and the agent its API status (GenerateAPIPodStatus).
//
//   absl::StatusOr<container::PodStatus> status = runtime.GetPodStatus(uid, name, ns);
//   const container::ContainerStatus* web = status->FindContainerStatusByName("web");
//   if (web != nullptr && web->state == container::State::kExited) log::Info("web exited");
//
// Plain value types; not thread safe, copy them.
#ifndef KRL_KUBELET_CORE_CONTAINER_POD_STATUS_H_
#define KRL_KUBELET_CORE_CONTAINER_POD_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/container_id.h"
#include "api/core/v1/pod.h"  // the corev1 alias
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/pod.h"

namespace krl {
namespace kubelet_core {
namespace container {

struct ContainerStatus {
  corev1::ContainerID id;
  std::string name;
  State state = State::kUnknown;
  absl::Time created_at = absl::UnixEpoch();
  // Unset (absl::UnixEpoch()) until the container started / finished, as in the kubelet.
  absl::Time started_at = absl::UnixEpoch();
  absl::Time finished_at = absl::UnixEpoch();
  int32_t exit_code = 0;
  std::string image;     // the image the container was created with
  std::string image_id;  // the runtime's image id
  std::string image_ref;
  uint64_t hash = 0;      // io.kubernetes.container.hash
  int restart_count = 0;  // io.kubernetes.container.restartCount
  std::string reason;     // runtime's reason for an exit: Completed, Error, OOMKilled, ...
  std::string message;    // runtime's message, plus the termination message when there is one
  std::string log_path;
};

struct PodStatus {
  std::string id;  // pod uid
  std::string name;
  std::string namespace_;
  // IPs of the newest sandbox when it is ready; the first is the primary IP.
  std::vector<std::string> ips;
  // Every sandbox of the pod, newest first.
  std::vector<cri::PodSandboxStatus> sandbox_statuses;
  // Every container of the pod (all attempts), newest first.
  std::vector<ContainerStatus> container_statuses;
  // When the status was read.
  absl::Time timestamp = absl::UnixEpoch();

  // The newest status of the container named `name`, or nullptr.
  const ContainerStatus* FindContainerStatusByName(absl::string_view name) const;
  // Every status of the container named `name`, newest first.
  std::vector<const ContainerStatus*> FindContainerStatusesByName(absl::string_view name) const;
};

// The running view of a status: its running containers and all its sandboxes (what KillPod
// needs to stop), as the kubelet's ConvertPodStatusToRunningPod.
Pod ConvertPodStatusToRunningPod(absl::string_view runtime_name, const PodStatus& status);

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_POD_STATUS_H_

// ComputePodActions: what SyncPod must do to make the runtime match a pod, decided as the kubelet
// decides it (computePodActions, podSandboxChanged, computeInitContainerActions):
// - a new sandbox when there is none, none is ready, more than one is ready, its network
//   namespace mode no longer matches hostNetwork, or a pod-network sandbox has no IP; then
//   everything is killed first and the init containers start over (unless the pod is done);
// - init containers one at a time, in order; a failed one is retried (or, with restartPolicy
//   Never, the pod is killed);
// - sidecars (init containers with restartPolicy Always) started in order before the app
//   containers and restarted whenever they stop;
// - app containers by restart policy; a running container whose spec hash changed, or that
//   failed its liveness or startup probe, is killed and started again;
// - nothing at all for a pod that runs as specified.
// One extension: running containers whose name is no longer in the spec are killed (the kubelet
// never sees that, as Kubernetes does not let a pod's container list change in place).
//
//   PodActions actions = ComputePodActions(pod, status, probes);
//   if (actions.create_sandbox) ...;
//   for (int i : actions.containers_to_start) Start(pod.spec.containers[i]);
//
// Pure; thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_POD_ACTIONS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_POD_ACTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/container/pod_status.h"
#include "kubelet_core/container/probe_results.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// Why a container is killed; selects the grace period (a probe's own override applies).
enum class KillReason { kNone, kStartupProbe, kLivenessProbe, kFailedPostStartHook, kUnknown };

struct ContainerToKill {
  std::string name;
  std::string message;
  KillReason reason = KillReason::kNone;
};

struct PodActions {
  // Stop every container and the sandbox(es).
  bool kill_pod = false;
  // Create a new sandbox (after killing the old one); init containers then start over.
  bool create_sandbox = false;
  // The existing sandbox, used to start containers in (empty when none or when it changed).
  std::string sandbox_id;
  // The attempt number of the sandbox to create (or of the current one).
  uint32_t attempt = 0;
  // Indexes into pod.spec.init_containers, in start order.
  std::vector<int> init_containers_to_start;
  // Indexes into pod.spec.containers, in start order.
  std::vector<int> containers_to_start;
  // Running containers to kill, by runtime container id.
  std::map<std::string, ContainerToKill> containers_to_kill;

  // True when nothing is to be done.
  bool empty() const {
    return !kill_pod && !create_sandbox && init_containers_to_start.empty() &&
           containers_to_start.empty() && containers_to_kill.empty();
  }
  std::string ToString() const;
};

struct SandboxChange {
  bool changed = false;
  uint32_t attempt = 0;
  std::string sandbox_id;
};

// Whether the pod needs a new sandbox, the attempt number to use, and the current sandbox id.
SandboxChange PodSandboxChanged(const corev1::Pod& pod, const container::PodStatus& status);

// `probes` may be null (no probe results).
PodActions ComputePodActions(const corev1::Pod& pod, const container::PodStatus& status,
                             const container::ProbeResults* probes);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_POD_ACTIONS_H_

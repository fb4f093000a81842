// Runtime: the runtime-agnostic container runtime the node agent drives. Given the pods that
// should run it makes the runtime match (SyncPod, KillPod), reports what is really there
// (GetPods, GetPodStatus, GenerateAPIPodStatus), cleans up (GarbageCollect) and manages images.
// The CRI implementation is kubelet_core/kuberuntime's KubeRuntimeManager; FakeRuntime stands in
// for it in tests of the layers above (agent, PLEG).
//
//   absl::StatusOr<container::PodStatus> status = runtime.GetPodStatus(uid, name, ns);
//   container::PodSyncResult result = runtime.SyncPod(pod, *status);
//   corev1::PodStatus api = runtime.GenerateAPIPodStatus(pod, *runtime.GetPodStatus(uid, name,
//   ns));
//
// Threads: every method may be called from any thread. Calls for one pod must be serialized by
// the caller (the agent's pod workers do that); calls for different pods may run concurrently.
#ifndef KRL_KUBELET_CORE_CONTAINER_RUNTIME_H_
#define KRL_KUBELET_CORE_CONTAINER_RUNTIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/container_id.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/gc_policy.h"
#include "kubelet_core/container/image.h"
#include "kubelet_core/container/pod.h"
#include "kubelet_core/container/pod_status.h"
#include "kubelet_core/container/sync_result.h"

namespace krl {
namespace kubelet_core {
namespace container {

// The runtime's own conditions (RuntimeReady, NetworkReady).
struct RuntimeCondition {
  std::string type;
  bool status = false;
  std::string reason;
  std::string message;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // The runtime's name as it reports it ("containerd"): the type of every ContainerID.
  virtual std::string Type() const = 0;

  // The runtime's conditions. Errors: the runtime cannot be reached.
  [[nodiscard]] virtual absl::StatusOr<std::vector<RuntimeCondition>> Status() = 0;

  // Makes the runtime run `pod` as its spec says, given what `status` (from GetPodStatus, read
  // just before) shows: kills what must go, creates the sandbox, starts init containers one at a
  // time, then sidecars and app containers, honouring restart policy and crash-loop back-off.
  // Invalid specs are refused before any runtime call (a ConfigPodSandbox step naming the field).
  // Returns every step it took; does nothing (no mutating runtime call) for a pod that already
  // runs as specified. Idempotent: call it again on the next sync.
  virtual PodSyncResult SyncPod(const corev1::Pod& pod, const PodStatus& status) = 0;

  // Stops every container of `running_pod` (preStop hooks first, within the grace period; sidecars
  // after app containers), then its sandboxes. `pod` may be null when the agent lost the spec (it
  // restarted): the grace period and hooks are then recovered from the runtime's annotations.
  // `grace_period_override` (seconds) replaces the pod's grace period. Idempotent.
  [[nodiscard]] virtual absl::Status KillPod(const corev1::Pod* pod, const Pod& running_pod,
                                             std::optional<int64_t> grace_period_override) = 0;

  // Every pod the runtime holds, grouped by uid from the runtime's labels. all=false: only ready
  // sandboxes and running containers; all=true: dead ones too (for GC and cleanup).
  [[nodiscard]] virtual absl::StatusOr<std::vector<Pod>> GetPods(bool all) = 0;

  // Everything the runtime holds for the pod `uid` (sandboxes and all container attempts, with
  // termination messages), newest first. A pod the runtime does not know has an empty status.
  [[nodiscard]] virtual absl::StatusOr<PodStatus> GetPodStatus(absl::string_view uid,
                                                               absl::string_view name,
                                                               absl::string_view namespace_) = 0;

  // The Kubernetes status of `pod` from `status`: phase, conditions, container states with the
  // kubelet's reasons (the last SyncPod failures give CrashLoopBackOff, ErrImagePull, ...),
  // restart counts, readiness. `pod.status` is taken as the previous status (transition times).
  virtual corev1::PodStatus GenerateAPIPodStatus(const corev1::Pod& pod,
                                                 const PodStatus& status) = 0;

  // Removes dead containers beyond `policy`, dead sandboxes, and (when all pod sources are ready)
  // everything of pods the agent no longer has, with their log folders.
  [[nodiscard]] virtual absl::Status GarbageCollect(const GCPolicy& policy, bool all_sources_ready,
                                                    bool evict_non_deleted_pods) = 0;

  // Removes one (stopped) container and its logs.
  [[nodiscard]] virtual absl::Status DeleteContainer(const corev1::ContainerID& id) = 0;

  // --- Images (straight through the runtime's image service) ---
  // Pulls `image`; returns the image reference (id) the runtime reports. `auth` and
  // `sandbox_config` may be null.
  [[nodiscard]] virtual absl::StatusOr<std::string> PullImage(
      absl::string_view image, const cri::AuthConfig* auth,
      const cri::PodSandboxConfig* sandbox_config) = 0;
  // The image id of `image` when present, "" when not.
  [[nodiscard]] virtual absl::StatusOr<std::string> GetImageRef(absl::string_view image) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<Image>> ListImages() = 0;
  // Removing an image that is not there succeeds.
  [[nodiscard]] virtual absl::Status RemoveImage(absl::string_view image) = 0;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_RUNTIME_H_

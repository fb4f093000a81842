// KubeRuntimeManager: the kubelet's runtime manager for C++ node agents. It implements the
// runtime-agnostic container::Runtime over CRI only (runtime::RuntimeService and ImageService):
// pods become sandboxes and containers labelled as the kubelet labels them, in the kubelet's
// order, with its restart policies, crash-loop back-off, lifecycle hooks, grace periods, log
// layout, termination messages, status and garbage collection. All state lives in the runtime
// (labels and annotations), so a restarted agent adopts what is running.
//
//   auto manager = KubeRuntimeManager::Create(runtime_service, image_service, image_manager,
//                                             RealClock::Get(), KubeRuntimeManagerOptions());
//   container::PodSyncResult result =
//       (*manager)->SyncPod(pod, *(*manager)->GetPodStatus(uid, name, ns));
//
// Threads: every method may be called from any thread; calls for one pod must be serialized by
// the caller (pod workers), calls for different pods may overlap. KillPod stops a pod's
// containers in parallel on threads of its own. The back-off table and the reason cache have
// their own locks; nothing else is mutable after Create.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_MANAGER_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_MANAGER_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/image_manager.h"
#include "kubelet_core/container/reason_cache.h"
#include "kubelet_core/container/runtime.h"
#include "kubelet_core/kuberuntime/config_generation.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "kubelet_core/kuberuntime/handler_runner.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"
#include "kubelet_core/kuberuntime/kube_runtime_metrics.h"
#include "kubelet_core/kuberuntime/pod_actions.h"
#include "kubelet_core/util/backoff.h"
#include "runtime/image_service.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

class TerminationOrdering;

class KubeRuntimeManager final : public container::Runtime {
 public:
  using Options = KubeRuntimeManagerOptions;

  // Asks the runtime its name (Version) for container ids. `runtime`, `images`, `image_manager`
  // and `clock` are not owned and must outlive the manager. Errors: the runtime does not answer
  // Version.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> Create(
      runtime::RuntimeService& runtime, runtime::ImageService& images,
      container::ImageManager& image_manager, Clock& clock, Options options = Options());

  KubeRuntimeManager(const KubeRuntimeManager&) = delete;
  KubeRuntimeManager& operator=(const KubeRuntimeManager&) = delete;

  // --- container::Runtime ---
  std::string Type() const override { return runtime_name_; }
  absl::StatusOr<std::vector<container::RuntimeCondition>> Status() override;
  container::PodSyncResult SyncPod(const corev1::Pod& pod,
                                   const container::PodStatus& status) override;
  absl::Status KillPod(const corev1::Pod* pod, const container::Pod& running_pod,
                       std::optional<int64_t> grace_period_override) override;
  absl::StatusOr<std::vector<container::Pod>> GetPods(bool all) override;
  absl::StatusOr<container::PodStatus> GetPodStatus(absl::string_view uid, absl::string_view name,
                                                    absl::string_view namespace_) override;
  corev1::PodStatus GenerateAPIPodStatus(const corev1::Pod& pod,
                                         const container::PodStatus& status) override;
  absl::Status GarbageCollect(const container::GCPolicy& policy, bool all_sources_ready,
                              bool evict_non_deleted_pods) override;
  absl::Status DeleteContainer(const corev1::ContainerID& id) override;
  absl::StatusOr<std::string> PullImage(absl::string_view image, const cri::AuthConfig* auth,
                                        const cri::PodSandboxConfig* sandbox_config) override;
  absl::StatusOr<std::string> GetImageRef(absl::string_view image) override;
  absl::StatusOr<std::vector<container::Image>> ListImages() override;
  absl::Status RemoveImage(absl::string_view image) override;

  // Reads the log of the runtime container `container_id` (its ContainerStatus names the file)
  // as ReadContainerLogs does, into `write`; counts split and malformed lines in the metrics.
  absl::StatusOr<LogReadStats> ReadContainerLogs(absl::string_view container_id,
                                                 const LogReadOptions& options,
                                                 const LogWriter& write);

  // What SyncPod would do for `pod` given `status` (no runtime call).
  PodActions ComputePodActions(const corev1::Pod& pod, const container::PodStatus& status) const;

  // The crash-loop back-off table (keys: container::GetStableKey).
  BackOff& crash_loop_backoff() { return backoff_; }
  const container::ReasonCache& reasons() const { return reasons_; }
  const Options& options() const { return options_; }

 private:
  // A failed container start: the kubelet's reason and a message.
  struct StartFailure {
    std::string reason;
    std::string message;
  };

  KubeRuntimeManager(runtime::RuntimeService& runtime, runtime::ImageService& images,
                     container::ImageManager& image_manager, Clock& clock, Options options,
                     std::string runtime_name);

  // --- Sync steps ---
  container::PodSyncResult SyncPodSteps(const corev1::Pod& pod, const container::PodStatus& status);
  // Whether `container` must still wait (CrashLoopBackOff); fills `message`.
  bool DoBackOff(const corev1::Pod& pod, const corev1::Container& container,
                 const container::PodStatus& status, std::string* message);
  absl::StatusOr<std::string> CreatePodSandbox(const corev1::Pod& pod, uint32_t attempt);
  std::optional<StartFailure> StartContainer(const std::string& sandbox_id,
                                             const cri::PodSandboxConfig& sandbox_config,
                                             const corev1::Container& container,
                                             const corev1::Pod& pod,
                                             const container::PodStatus& status,
                                             const std::vector<std::string>& pod_ips);
  // The user the image runs as (ImageStatus's uid, else its user name; neither: uid 0), filled
  // into `context` as the kubelet's getImageUser.
  absl::Status ReadImageUser(const std::string& image_ref, ContainerContext* context);
  void PruneInitContainersBeforeStart(const corev1::Pod& pod, const container::PodStatus& status);
  void PurgeInitContainers(const corev1::Pod& pod, const container::PodStatus& status);

  // --- Killing ---
  container::PodSyncResult KillPodWithSyncResult(const corev1::Pod* pod,
                                                 const container::Pod& running_pod,
                                                 std::optional<int64_t> grace_period_override);
  absl::Status KillContainer(const corev1::Pod* pod, const std::string& container_id,
                             const std::string& container_name, const std::string& message,
                             KillReason reason, std::optional<int64_t> grace_period_override,
                             TerminationOrdering* ordering);
  // Runs the preStop hook within `grace_seconds`; returns the whole seconds it took.
  int64_t ExecutePreStopHook(const corev1::Pod& pod, const std::string& container_id,
                             const corev1::Container& container, int64_t grace_seconds);

  // --- Status ---
  container::ContainerStatus ToContainerStatus(const cri::ContainerStatus& status) const;
  absl::StatusOr<std::vector<cri::PodSandbox>> ListKubeletSandboxes(bool all,
                                                                    const std::string& uid);
  absl::StatusOr<std::vector<cri::Container>> ListKubeletContainers(bool all,
                                                                    const std::string& uid);

  // --- Garbage collection ---
  absl::Status RemoveContainer(const std::string& container_id);
  absl::Status EvictContainers(const container::GCPolicy& policy, bool all_sources_ready,
                               bool evict_non_deleted_pods);
  absl::Status EvictSandboxes(bool evict_non_deleted_pods);
  absl::Status EvictPodLogsDirectories(bool all_sources_ready);
  // <root_dir>/pods/<uid> (emptyDir volumes, termination message files) of gone pods that have
  // nothing left in the runtime.
  absl::Status EvictPodDirectories(bool all_sources_ready);
  bool PodRemovable(const std::string& uid, bool evict_non_deleted_pods) const;

  runtime::RuntimeService& runtime_;
  runtime::ImageService& images_;
  container::ImageManager& image_manager_;
  Clock& clock_;
  const Options options_;
  const std::string runtime_name_;
  std::unique_ptr<runtime::metrics::Registry> own_registry_;  // when options_.registry is null
  KubeRuntimeMetrics metrics_;
  HandlerRunner hooks_;
  BackOff backoff_;
  container::ReasonCache reasons_;
};

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_MANAGER_H_
